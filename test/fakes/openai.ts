/**
 * A local fake of an OpenAI-compatible chat completions endpoint, for tests and benches.
 *
 *   const llm = await startFakeOpenAI({ latencyMs: 5 });
 *   // point the client at llm.url ("http://127.0.0.1:PORT/v1"), any API key
 *   llm.queue({ type: "status", status: 429, retryAfter: "0" }); // the next request gets a 429
 *   ...
 *   llm.requests;     // parsed JSON bodies of every POST /v1/chat/completions, in order
 *   llm.maxInFlight;  // the most requests it was answering at once
 *   await llm.close();
 *
 * Deep-read requests (json_schema "deep_card", or a <paper_text> block) get a deep card built
 * from the excerpt, whose figures come from the excerpt; /ask requests (a <question>) get an
 * answer quoting the first section that names a word of the question, or answered: false.
 *
 * By default it answers every request with a valid card JSON derived from the request (the
 * paper block's id, title and abstract in the user message; topic ids from the json_schema
 * enum, or from the ids after "主题 id ...：" in the system prompt), so answers are deterministic. It
 * accepts `response_format` json_schema and json_object alike, and reports `usage` computed
 * from text length: ceil(UTF-8 bytes / 4) of the message contents, and of the answer.
 *
 * Faults are queued (each answers one upcoming request, first in first out) or set for
 * every request with setBehaviour():
 *   { type: "status", status, retryAfter?, retryAfterMs?, message? }  an OpenAI-style error
 *   { type: "slow", delayMs }          answers (validly) only after delayMs: past a timeout
 *   { type: "invalid-json" }           content that is not JSON
 *   { type: "schema-violation" }       JSON that breaks the card schema
 *   { type: "content", content }       any content, e.g. a card full of links
 *   { type: "reject-json-schema" }     DeepSeek's 400 for response_format json_schema
 *   { type: "drop" }                   closes the connection without answering
 * `rejectJsonSchema: true` makes the server behave like DeepSeek for every json_schema request.
 * `omitFields: ["score_reason"]` leaves those fields out of every answer, as DeepSeek, Qwen,
 * Kimi and GLM do now and then in json_object mode.
 */

import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../../src/core/clock.ts";

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: {
    type: string;
    json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> };
  };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  [key: string]: unknown;
}

export type FakeFault =
  | { type: "status"; status: number; retryAfter?: string; retryAfterMs?: string; message?: string }
  | { type: "slow"; delayMs: number }
  | { type: "invalid-json" }
  | { type: "schema-violation" }
  | { type: "content"; content: string }
  | { type: "reject-json-schema" }
  | { type: "drop" };

export interface FakeOpenAIOptions {
  /** delay before every answer, ms (default 0) */
  latencyMs?: number;
  /** when set, requests without `Authorization: Bearer <apiKey>` get a 401 */
  apiKey?: string;
  /** answer every json_schema request with DeepSeek's 400 */
  rejectJsonSchema?: boolean;
  /** leave `usage` out of answers, as some local servers do */
  omitUsage?: boolean;
  /** the answer object for a request (default: a valid card derived from it) */
  card?: (request: ChatRequest) => unknown;
  /** a fault for every request that has no queued fault */
  fault?: FakeFault;
  /** fields left out of every answer (a provider that omits a field) */
  omitFields?: string[];
  /** the clock delays are waited on (a test's ManualClock, shared with the client); default real time */
  clock?: Clock;
}

export interface FakeOpenAI {
  /** base URL for the client, ending in /v1 */
  url: string;
  requests: ChatRequest[];
  headers: IncomingHttpHeaders[];
  readonly inFlight: number;
  readonly maxInFlight: number;
  queue(...faults: FakeFault[]): void;
  setBehaviour(options: Partial<FakeOpenAIOptions>): void;
  /** forgets requests, queued faults and the in-flight peak */
  reset(): void;
  close(): Promise<void>;
}

/** Tokens as the fake counts them: a quarter of the UTF-8 bytes, rounded up. */
export function fakeTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 4);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** id, title and abstract of the <paper> block of a request, as the prompt put them. */
export function paperOf(request: ChatRequest): { id: string; title: string; abstract: string } {
  const text = request.messages.map((m) => m.content).join("\n");
  const block = /<paper id="([^"]*)">([\s\S]*?)<\/paper>/.exec(text);
  const body = block?.[2] ?? "";
  return {
    id: block?.[1] ?? "unknown",
    title: /标题：(.*)/.exec(body)?.[1]?.trim() ?? "",
    abstract: /摘要：(.*)/.exec(body)?.[1]?.trim() ?? "",
  };
}

/** The topic ids a request offers: the json_schema enum, else the system prompt's list. */
export function offeredTopics(request: ChatRequest): string[] {
  const schema = request.response_format?.json_schema?.schema as
    | { properties?: { topics?: { items?: { enum?: string[] } } } }
    | undefined;
  const fromEnum = schema?.properties?.topics?.items?.enum;
  if (fromEnum?.length) return fromEnum;
  const system = request.messages.find((m) => m.role === "system")?.content ?? "";
  const line = /主题 id[^：:\n]*[：:](.*)/.exec(system)?.[1] ?? "";
  const ids = line.split(/[,，、;；\s]+/).filter((w) => /^[a-z0-9][a-z0-9-]*$/.test(w));
  return ids.length > 0 ? ids : ["other"];
}

/** A valid card for the request, of realistic length, the same every time. */
export function cardFor(request: ChatRequest) {
  const paper = paperOf(request);
  const topics = offeredTopics(request);
  const h = hash(paper.id);
  const name = (paper.title.split(/[:：]/)[0] ?? "").split(/\s+/).slice(0, 2).join(" ") || "本文";
  const number = /\d+(?:\.\d+)?%?/.exec(paper.abstract)?.[0] ?? "显著";
  const first = topics[h % topics.length] ?? "other";
  const second = topics[(h >>> 8) % topics.length] ?? first;
  return {
    title_zh: `${name}：用更少的数据和算力换来更稳定的效果`,
    tldr: `${name} 提出一种简单有效的新方法，在不增加推理开销的前提下明显提升了模型在多个基准上的表现。`,
    motivation:
      "现有方法依赖大量标注数据和昂贵的训练，迁移到新任务时效果不稳定，难以在实际场景中落地。",
    method: `${name} 先用轻量模块提取关键信息，再通过两阶段训练把知识迁移到目标任务，并配合简单的数据筛选策略减少噪声。`,
    results: `在主要基准上提升 ${number}，同时训练成本更低；多个下游任务上持平或超过此前最好的方法，消融实验验证了各模块的作用。`,
    topics: first === second ? [first] : [first, second],
    keywords: ["大模型", "高效训练", name.slice(0, 20) || "基准"],
    score: 1 + (h % 5),
    score_reason: "思路清晰、实验扎实，对同方向工作有参考价值。",
  };
}

/** The user messages of a request (the system prompt names the delimiters too). */
function userText(request: ChatRequest): string {
  return request.messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
}

/** The <paper_text> block of a deep-read or /ask request: id, title and "## Section" parts. */
export function paperTextOf(request: ChatRequest): {
  id: string;
  title: string;
  sections: { title: string; text: string }[];
} {
  const text = userText(request);
  const block = /<paper_text id="([^"]*)">([\s\S]*?)<\/paper_text>/.exec(text);
  const body = block?.[2] ?? "";
  const sections = [...body.matchAll(/^## (.+)\n([\s\S]*?)(?=^## |$(?![\s\S]))/gm)].map((m) => ({
    title: (m[1] ?? "").trim(),
    text: (m[2] ?? "").trim(),
  }));
  return {
    id: block?.[1] ?? "unknown",
    title: /标题：(.*)/.exec(body)?.[1]?.trim() ?? "",
    sections,
  };
}

/** Which kind of answer a request asks for: a short card, a deep-read card or an answer. */
export function requestKind(request: ChatRequest): "card" | "deep" | "ask" {
  const name = request.response_format?.json_schema?.name;
  if (name === "deep_card" || name === "paper_answer") return name === "deep_card" ? "deep" : "ask";
  const text = request.messages.map((m) => m.content).join("\n");
  if (text.includes("<question>")) return "ask";
  return text.includes("<paper_text") ? "deep" : "card";
}

/** A deep-read card from the excerpt, its figures taken from the excerpt's own text. */
export function deepCardFor(request: ChatRequest) {
  const paper = paperTextOf(request);
  const name = (paper.title.split(/[:：]/)[0] ?? "").trim() || "本文";
  const all = paper.sections.map((s) => s.text).join(" ");
  const experiments = paper.sections.find((s) => /experiment|result/i.test(s.title))?.text ?? all;
  const number = /\d+(?:\.\d+)?%?/.exec(experiments)?.[0] ?? "多项";
  return {
    summary: `${name} 读完全文后的中文摘要：方法简单，效果在多个基准上得到验证。`,
    background: "该方向已有大量工作，但迁移成本高、效率低。",
    challenges: "如何在不增加推理开销的前提下提升效果，是本文面对的主要难点。",
    solution: `${name} 只训练少量参数，并配合简单的训练策略。`,
    innovations: "参数高效；训练更快；易于迁移。",
    architecture: `${name} 在原有模型结构上加入轻量模块，其余参数保持冻结。`,
    experiments: `实验显示主要指标为 ${number}。`,
    key_results: [`关键结果：${number}`],
    reading_score: 4,
    reading_reason: "思路清晰，实验扎实，值得细读。",
  };
}

/** An answer from the excerpt: the first section naming a word of the question, else none. */
export function answerFor(request: ChatRequest) {
  const paper = paperTextOf(request);
  const text = userText(request);
  const question = /<question>([\s\S]*?)<\/question>/.exec(text)?.[1] ?? "";
  const words = question.match(/[A-Za-z][A-Za-z0-9-]+/g) ?? [];
  for (const section of paper.sections) {
    const hit = words.find((w) => section.text.toLowerCase().includes(w.toLowerCase()));
    if (!hit) continue;
    const sentence =
      section.text
        .split(/(?<=[.!?])\s+/)
        .find((s) => s.toLowerCase().includes(hit.toLowerCase())) ?? section.text;
    return {
      answered: true,
      answer: `论文在「${section.title}」一节讨论了 ${hit}，结论见下方引用的原文。`,
      quotes: [{ section: section.title.replace(/（节选）$/, ""), text: sentence.slice(0, 200) }],
    };
  }
  return { answered: false, answer: "论文没有讨论这个问题。", quotes: [] };
}

/** The default answer for any request: a short card, a deep card or an answer. */
export function answerOf(request: ChatRequest): unknown {
  const kind = requestKind(request);
  return kind === "deep"
    ? deepCardFor(request)
    : kind === "ask"
      ? answerFor(request)
      : cardFor(request);
}

const DEEPSEEK_JSON_SCHEMA_ERROR = {
  error: {
    message: "This response_format type is unavailable now",
    type: "invalid_request_error",
    param: null,
    code: "invalid_request_error",
  },
};

function errorBody(status: number, message?: string) {
  const type =
    status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
  const code = status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : null;
  const text =
    message ??
    (status === 429
      ? "Rate limit reached for requests. Please try again later."
      : status >= 500
        ? "The server had an error while processing your request. Sorry about that!"
        : "Invalid request.");
  return { error: { message: text, type, param: null, code } };
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let behaviour: FakeOpenAIOptions = { ...options };
  const faults: FakeFault[] = [];
  const requests: ChatRequest[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  let sequence = 0;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      if (options.clock) return void options.clock.sleep(ms).then(resolve);
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { "content-type": "application/json", ...extra });
    res.end(JSON.stringify(body));
  };

  const completion = (request: ChatRequest, content: string) => {
    const prompt = fakeTokens(request.messages.map((m) => m.content).join("\n"));
    const done = fakeTokens(content);
    return {
      id: `chatcmpl-fake-${++sequence}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      ...(behaviour.omitUsage
        ? {}
        : {
            usage: { prompt_tokens: prompt, completion_tokens: done, total_tokens: prompt + done },
          }),
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
          return send(res, 404, errorBody(404, `Unknown route ${req.method} ${req.url}`));
        }
        let request: ChatRequest;
        try {
          request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
        } catch {
          return send(
            res,
            400,
            errorBody(400, "We could not parse the JSON body of your request."),
          );
        }
        requests.push(request);
        headers.push(req.headers);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await answer(request, req.headers, res);
        } finally {
          inFlight--;
        }
      })();
    });
  });

  const answer = async (request: ChatRequest, h: IncomingHttpHeaders, res: ServerResponse) => {
    const fault = faults.shift() ?? behaviour.fault;
    await wait(behaviour.latencyMs ?? 0);
    if (behaviour.apiKey && h.authorization !== `Bearer ${behaviour.apiKey}`) {
      // Echoes the key it got, as the worst providers do: our errors must scrub it.
      return send(res, 401, errorBody(401, `Incorrect API key provided: ${h.authorization ?? ""}`));
    }
    const isSchema = request.response_format?.type === "json_schema";
    if (isSchema && (behaviour.rejectJsonSchema || fault?.type === "reject-json-schema")) {
      return send(res, 400, DEEPSEEK_JSON_SCHEMA_ERROR);
    }
    const omit = new Set(behaviour.omitFields ?? []);
    const write = behaviour.card ?? answerOf;
    const make = (r: ChatRequest) => {
      const card = write(r);
      if (omit.size === 0 || !card || typeof card !== "object") return card;
      return Object.fromEntries(Object.entries(card).filter(([k]) => !omit.has(k)));
    };
    switch (fault?.type) {
      case "status": {
        const extra: Record<string, string> = {};
        if (fault.retryAfter !== undefined) extra["retry-after"] = fault.retryAfter;
        if (fault.retryAfterMs !== undefined) extra["retry-after-ms"] = fault.retryAfterMs;
        return send(res, fault.status, errorBody(fault.status, fault.message), extra);
      }
      case "slow":
        await wait(fault.delayMs);
        return send(res, 200, completion(request, JSON.stringify(make(request))));
      case "invalid-json":
        return send(res, 200, completion(request, '好的，下面是卡片：{"title_zh": "未完'));
      case "schema-violation": {
        const { score: _score, ...rest } = make(request) as Record<string, unknown>;
        return send(
          res,
          200,
          completion(request, JSON.stringify({ ...rest, score: "五星", tldr: 42 })),
        );
      }
      case "content":
        return send(res, 200, completion(request, fault.content));
      case "drop":
        res.socket?.destroy();
        return;
      default:
        return send(res, 200, completion(request, JSON.stringify(make(request))));
    }
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    headers,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    queue: (...more) => {
      faults.push(...more);
    },
    setBehaviour: (more) => {
      behaviour = { ...behaviour, ...more };
    },
    reset: () => {
      requests.length = 0;
      headers.length = 0;
      faults.length = 0;
      maxInFlight = inFlight;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
