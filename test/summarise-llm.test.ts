import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/core/clock.ts";
import {
  LlmClient,
  type LlmClientOptions,
  LlmError,
  LlmHttpError,
  LlmNetworkError,
  LlmTimeoutError,
  resetLearntDowngrades,
} from "../src/summarise/llm.ts";
import type { ChatMessage } from "../src/summarise/prompt.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";
import { waitUntil } from "./helpers/wait.ts";
import { captureLog, TEST_KEY } from "./summarise-fixtures.ts";

const messages: ChatMessage[] = [
  { role: "system", content: "只输出 JSON。主题 id（名称）：other 其他；" },
  { role: "user", content: '<paper id="2404.01197">\n标题：T\n摘要：A 22% gain.\n</paper>' },
];
const schema = {
  name: "paper_card",
  schema: {
    type: "object",
    properties: { topics: { type: "array", items: { type: "string", enum: ["other"] } } },
  },
};

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
  fake.setBehaviour({
    rejectJsonSchema: false,
    omitUsage: false,
    apiKey: undefined,
    fault: undefined,
  });
  resetLearntDowngrades();
});

function client(extra: Partial<LlmClientOptions> = {}) {
  const waits: number[] = [];
  const { log, lines } = captureLog();
  const llm = new LlmClient({
    baseURL: fake.url,
    apiKey: TEST_KEY,
    model: "fake-model",
    jsonMode: "json_schema",
    timeoutMs: 1000,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 40,
    random: () => 1,
    sleep: async (ms) => {
      waits.push(ms);
    },
    log,
    ...extra,
  });
  return { llm, waits, lines };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("LlmClient", () => {
  it("sends a strict json_schema request with the key and returns content and usage", async () => {
    const { llm } = client();
    const reply = await llm.complete(messages, schema);
    expect(JSON.parse(reply.content).topics).toEqual(["other"]);
    expect(reply.usage.estimated).toBe(false);
    expect(reply.usage.promptTokens).toBeGreaterThan(0);
    expect(reply.mode).toBe("json_schema");
    const body = fake.requests[0];
    expect(body?.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "paper_card", strict: true, schema: schema.schema },
    });
    expect(body?.messages).toEqual(messages);
    expect(fake.headers[0]?.authorization).toBe(`Bearer ${TEST_KEY}`);
  });

  it("sends JSON mode when configured for json_object", async () => {
    const { llm } = client({ jsonMode: "json_object" });
    await llm.complete(messages, schema);
    expect(fake.requests[0]?.response_format).toEqual({ type: "json_object" });
  });

  it("waits as long as retry-after asks after a 429, then succeeds", async () => {
    fake.queue({ type: "status", status: 429, retryAfter: "2" });
    const { llm, waits } = client({ maxRetryAfterMs: 5000 });
    await llm.complete(messages, schema);
    expect(waits).toEqual([2000]);
    expect(fake.requests).toHaveLength(2);
  });

  it("prefers retry-after-ms over retry-after", async () => {
    fake.queue({ type: "status", status: 429, retryAfter: "9", retryAfterMs: "250" });
    const { llm, waits } = client({ maxRetryAfterMs: 60_000 });
    await llm.complete(messages, schema);
    expect(waits).toEqual([250]);
  });

  it("gives up at once when retry-after is longer than it may wait", async () => {
    fake.queue({ type: "status", status: 429, retryAfter: "3600" });
    const { llm } = client({ maxRetryAfterMs: 60_000 });
    const error = await failure(llm.complete(messages, schema));
    expect(error).toBeInstanceOf(LlmHttpError);
    expect((error as LlmHttpError).status).toBe(429);
    expect(fake.requests).toHaveLength(1);
  });

  it("retries 500s with exponential backoff and fails typed after the last attempt", async () => {
    fake.queue(
      { type: "status", status: 500 },
      { type: "status", status: 502 },
      { type: "status", status: 503 },
    );
    const { llm, waits } = client();
    const error = await failure(llm.complete(messages, schema));
    expect(error).toBeInstanceOf(LlmHttpError);
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 3 });
    expect(waits).toEqual([10, 20]);
  });

  /**
   * A fake whose slow answers wait on a ManualClock that the client's timeout runs on too: the
   * test lets each attempt's timeout pass once the request reached the fake.
   */
  async function slowFake() {
    const clock = new ManualClock("2024-04-24T04:00:00Z");
    const slow = await startFakeOpenAI({ clock });
    const timeOut = async (requests: number, ms: number) => {
      await waitUntil(() => slow.requests.length === requests, { what: `request ${requests}` });
      await clock.advance(ms);
    };
    return { clock, slow, timeOut };
  }

  it("retries an answer slower than the timeout", async () => {
    const { clock, slow, timeOut } = await slowFake();
    try {
      slow.queue({ type: "slow", delayMs: 1000 });
      const { llm } = client({ baseURL: slow.url, timeoutMs: 100, clock });
      const replied = llm.complete(messages, schema);
      await timeOut(1, 100);
      const reply = await replied; // the retry is answered at once
      expect(JSON.parse(reply.content).title_zh).toMatch(/：用更少的数据和算力换来更稳定的效果$/);
      expect(slow.requests).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it("fails with LlmTimeoutError when every attempt is too slow", async () => {
    const { clock, slow, timeOut } = await slowFake();
    try {
      slow.setBehaviour({ fault: { type: "slow", delayMs: 1000 } });
      const { llm } = client({ baseURL: slow.url, timeoutMs: 50, maxAttempts: 2, clock });
      const failed = failure(llm.complete(messages, schema));
      await timeOut(1, 50);
      await timeOut(2, 50);
      const error = await failed;
      expect(error).toBeInstanceOf(LlmTimeoutError);
      expect(error).toMatchObject({ timeoutMs: 50, attempts: 2 });
    } finally {
      await slow.close();
    }
  });

  it("retries a dropped connection and reports a network error when it persists", async () => {
    fake.setBehaviour({ fault: { type: "drop" } });
    const { llm } = client({ maxAttempts: 2 });
    const error = await failure(llm.complete(messages, schema));
    expect(error).toBeInstanceOf(LlmNetworkError);
    expect(fake.requests).toHaveLength(2);
  });

  it("does not retry a 401, and keeps the key out of the error and the logs", async () => {
    fake.setBehaviour({ apiKey: "sk-the-right-key" });
    const { llm, lines } = client();
    const error = await failure(llm.complete(messages, schema));
    expect(error).toBeInstanceOf(LlmHttpError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(fake.requests).toHaveLength(1);
    // The fake echoes the key it got, as some providers do.
    expect((error as Error).message).toContain("[redacted]");
    expect((error as Error).message).not.toContain(TEST_KEY);
    expect(lines.join("\n")).not.toContain(TEST_KEY);
  });

  it("falls back to json_object when the provider rejects json_schema, once per process", async () => {
    fake.setBehaviour({ rejectJsonSchema: true });
    const { llm, lines } = client();
    const first = await llm.complete(messages, schema);
    expect(first.mode).toBe("json_object");
    expect(fake.requests.map((r) => r.response_format?.type)).toEqual([
      "json_schema",
      "json_object",
    ]);
    // A second client for the same endpoint and model already knows.
    const again = client();
    await again.llm.complete(messages, schema);
    expect(fake.requests.at(-1)?.response_format?.type).toBe("json_object");
    expect(fake.requests).toHaveLength(3);
    const adapted = [...lines, ...again.lines].filter((l) => l.includes("adapting"));
    expect(adapted).toHaveLength(1);
  });

  it("adapts to reasoning models that refuse max_tokens and temperature", async () => {
    fake.queue(
      {
        type: "status",
        status: 400,
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      },
      {
        type: "status",
        status: 400,
        message:
          "Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1) value is supported.",
      },
    );
    const { llm } = client();
    await llm.complete(messages, schema);
    const last = fake.requests.at(-1);
    expect(fake.requests).toHaveLength(3);
    expect(last?.max_completion_tokens).toBe(800);
    expect(last?.max_tokens).toBeUndefined();
    expect(last?.temperature).toBeUndefined();
  });

  it("does not retry other 400s", async () => {
    fake.queue({
      type: "status",
      status: 400,
      message: "Input data may contain inappropriate content.",
    });
    const { llm } = client();
    const error = await failure(llm.complete(messages, schema));
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it("estimates usage when the provider sends none", async () => {
    fake.setBehaviour({ omitUsage: true });
    const { llm } = client();
    const reply = await llm.complete(messages, schema);
    expect(reply.usage.estimated).toBe(true);
    expect(reply.usage.promptTokens).toBeGreaterThan(10);
    expect(reply.usage.completionTokens).toBeGreaterThan(10);
  });

  it("reports an unreachable endpoint as a network error", async () => {
    const { llm } = client({ baseURL: "http://127.0.0.1:1/v1", maxAttempts: 1 });
    const error = await failure(llm.complete(messages, schema));
    expect(error).toBeInstanceOf(LlmNetworkError);
    expect(error).toBeInstanceOf(LlmError);
  });
});
