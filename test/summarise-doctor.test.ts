import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/core/clock.ts";
import { checkLlmProvider, type LlmCheckConfig } from "../src/summarise/doctor.ts";
import { resetLearntDowngrades } from "../src/summarise/llm.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";
import { waitUntil } from "./helpers/wait.ts";

const KEY = "sk-doctor-secret-1234";
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
  fake.setBehaviour({ rejectJsonSchema: false, fault: undefined });
  resetLearntDowngrades();
});

const config = (patch: Partial<LlmCheckConfig> = {}): LlmCheckConfig => ({
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: fake.url,
  OPENAI_MODEL: "fake-model",
  SUDI_LLM_JSON_MODE: "json_schema",
  ...patch,
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("checkLlmProvider", () => {
  it("sends one sample paper and reports the JSON mode, tokens and the card", async () => {
    const check = await checkLlmProvider(config());
    expect(fake.requests).toHaveLength(1);
    expect(check).toMatchObject({ check: "llm", ok: true, jsonMode: "json_schema" });
    expect(check.tokens?.prompt).toBeGreaterThan(100);
    expect(check.tokens?.estimated).toBe(false);
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    expect(check.card).toMatchObject({ paper_id: "2304.06648", fallback: false });
    expect(check.message).toContain("json_schema works");
    expect(check.message).toContain(check.card?.title_zh);
  });

  it("reports json_object when the provider refuses json_schema", async () => {
    fake.setBehaviour({ rejectJsonSchema: true });
    const check = await checkLlmProvider(config());
    expect(check).toMatchObject({ ok: true, jsonMode: "json_object" });
    expect(check.message).toContain("set SUDI_LLM_JSON_MODE=json_object");
  });

  it.each([
    [
      "a wrong key",
      () => config({ OPENAI_API_KEY: "sk-wrong-key-5678" }),
      undefined,
      "OPENAI_API_KEY",
    ],
    [
      "an unknown model",
      () => config(),
      {
        type: "status",
        status: 404,
        message: "The model `gpt-9` does not exist or you do not have access to it.",
      },
      "OPENAI_MODEL",
    ],
    [
      "a route that is not chat completions",
      () => config(),
      { type: "status", status: 404, message: "Not Found" },
      "OPENAI_BASE_URL",
    ],
  ] as const)("names the variable for %s", async (_name, make, fault, variable) => {
    if (fault) fake.queue(fault);
    const check = await checkLlmProvider(make());
    expect(check).toMatchObject({ ok: false, variable });
    expect(check.message).toContain(variable);
    expect(check.message).not.toContain("sk-wrong-key-5678");
    expect(check.message).not.toContain(KEY);
  });

  it("names OPENAI_BASE_URL when the connection is refused or times out", async () => {
    const port = await closedPort();
    const refused = await checkLlmProvider(
      config({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }),
    );
    expect(refused).toMatchObject({ ok: false, variable: "OPENAI_BASE_URL" });
    // a slow answer held on a ManualClock the check's timeout runs on too: no real waiting
    const clock = new ManualClock("2024-04-24T04:00:00Z");
    const slowFake = await startFakeOpenAI({ clock, fault: { type: "slow", delayMs: 2000 } });
    try {
      const checking = checkLlmProvider(config({ OPENAI_BASE_URL: slowFake.url }), {
        timeoutMs: 100,
        clock,
      });
      await waitUntil(() => slowFake.requests.length === 1, { what: "the check's request" });
      await clock.advance(100);
      const slow = await checking;
      expect(slow).toMatchObject({ ok: false, variable: "OPENAI_BASE_URL" });
      expect(slow.message).toContain("timed out");
    } finally {
      await slowFake.close();
    }
  });

  it("names OPENAI_API_KEY without calling when it is unset", async () => {
    const check = await checkLlmProvider(config({ OPENAI_API_KEY: undefined }));
    expect(check).toMatchObject({ ok: false, variable: "OPENAI_API_KEY" });
    expect(fake.requests).toHaveLength(0);
  });
});
