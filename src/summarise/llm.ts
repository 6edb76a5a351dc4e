/**
 * The LLM client: one chat completion against any OpenAI-compatible endpoint (OpenAI,
 * DeepSeek, Qwen/DashScope, Kimi, GLM, SiliconFlow, Ollama, vLLM) through the `openai`
 * package. The SDK's own retries are off so this file owns the policy: a timeout per attempt,
 * retries on 429, 5xx, timeouts and network errors with exponential backoff that honours
 * `retry-after-ms` / `retry-after`, and typed errors that never carry the key.
 *
 * Providers differ in what they accept. When one rejects a request parameter with a 400 that
 * names it (`response_format` / `json_schema` on DeepSeek, `max_tokens` or `temperature` on
 * reasoning models), the client downgrades that parameter once, remembers it for the process
 * (per base URL and model), logs it once and retries at once.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { type Clock, systemClock, timeoutSignal } from "../core/clock.ts";
import { retryAfterMs } from "../core/retry-after.ts";
import { type Logger, redact, silentLogger } from "../log.ts";
import type { ChatMessage } from "./prompt.ts";
import { estimateChatTokens, estimateTokens } from "./tokens.ts";

export type JsonMode = "json_schema" | "json_object";

/** A JSON schema to send as strict structured output. */
export interface ResponseSchema {
  name: string;
  schema: Record<string, unknown>;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** true when the provider sent no `usage` and the figures are estimates */
  estimated: boolean;
}

export interface LlmReply {
  content: string;
  usage: TokenUsage;
  /** the JSON mode the successful request used */
  mode: JsonMode;
  finishReason: string | null;
}

/** Every failure of a call, after the retries this client allows. */
export class LlmError extends Error {
  constructor(
    message: string,
    /** whether the failure was transient (a later run may succeed) */
    readonly retryable: boolean,
    /** requests made, including the last one */
    readonly attempts: number,
  ) {
    super(message);
    this.name = "LlmError";
  }
}

/** The provider answered with an HTTP error. `code` is the provider's error code, if any. */
export class LlmHttpError extends LlmError {
  constructor(
    readonly status: number,
    readonly code: string | null,
    providerMessage: string,
    retryable: boolean,
    attempts: number,
  ) {
    super(`LLM request failed with HTTP ${status}: ${providerMessage}`, retryable, attempts);
    this.name = "LlmHttpError";
  }
}

/** No answer within the timeout. */
export class LlmTimeoutError extends LlmError {
  constructor(
    readonly timeoutMs: number,
    attempts: number,
  ) {
    super(`LLM request timed out after ${timeoutMs} ms`, true, attempts);
    this.name = "LlmTimeoutError";
  }
}

/** The endpoint could not be reached (DNS, refused, reset). */
export class LlmNetworkError extends LlmError {
  constructor(detail: string, attempts: number) {
    super(`LLM endpoint unreachable: ${detail}`, true, attempts);
    this.name = "LlmNetworkError";
  }
}

export interface LlmClientOptions {
  baseURL: string;
  apiKey: string;
  model: string;
  jsonMode: JsonMode;
  /** per attempt; default 60 s */
  timeoutMs?: number;
  /** requests per call, the first included; default 4 */
  maxAttempts?: number;
  /** first backoff delay; doubles each retry up to backoffMaxMs; default 1 s and 30 s */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** a Retry-After longer than this ends the call instead of waiting; default 60 s */
  maxRetryAfterMs?: number;
  /** completion cap, a guard on the bill; default 800 */
  maxTokens?: number;
  temperature?: number;
  log?: Logger;
  /**
   * the clock of backoff, Retry-After dates and, when given, the per-attempt timeout (a test's
   * ManualClock); default the system clock, where the SDK's own timeout applies
   */
  clock?: Clock;
  /** overrides the clock's waits (tests that count them) */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type Downgrade = "json_object" | "no_response_format" | "max_completion_tokens" | "no_temperature";

/** Downgrades learnt this process, per `${baseURL} ${model}`. */
const learnt = new Map<string, Set<Downgrade>>();

/** Which downgrade a 400 asks for, judged by the parameter it names and the mode sent. */
function downgradeFor(error: APIError, mode: JsonMode): Downgrade | undefined {
  if (error.status !== 400) return undefined;
  const text = `${error.param ?? ""} ${error.message}`.toLowerCase();
  if (/response_format|json_schema|json_object|structured output/.test(text)) {
    // json_schema refused: JSON mode; JSON mode refused too: the prompt alone asks for JSON.
    return mode === "json_schema" ? "json_object" : "no_response_format";
  }
  if (/\bmax_tokens\b/.test(text)) return "max_completion_tokens";
  if (/temperature/.test(text)) return "no_temperature";
  return undefined;
}

/** A client for one endpoint and model. Safe to share; calls are independent. */
export class LlmClient {
  readonly model: string;
  readonly baseURL: string;
  private readonly sdk: OpenAI;
  private readonly apiKey: string;
  private readonly configuredMode: JsonMode;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxTokens: number;
  private readonly temperature: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** the timeout runs on `clock` rather than the SDK's timer (a clock was injected) */
  private readonly clockTimeout: boolean;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** HTTP requests sent (every retry counts) and those that failed (429, 5xx, timeout...) */
  readonly requests = { sent: 0, failed: 0 };

  constructor(options: LlmClientOptions) {
    this.model = options.model;
    this.baseURL = options.baseURL;
    this.apiKey = options.apiKey;
    this.configuredMode = options.jsonMode;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.maxTokens = options.maxTokens ?? 800;
    this.temperature = options.temperature ?? 0.3;
    this.log = options.log ?? silentLogger;
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.clockTimeout = clock !== systemClock;
    this.sleep = options.sleep ?? ((ms) => clock.sleep(ms));
    this.random = options.random ?? Math.random;
    this.sdk = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: 0,
      // on an injected clock the attempt's signal times out instead (the longest timer Node takes)
      timeout: this.clockTimeout ? 2 ** 31 - 1 : this.timeoutMs,
      logLevel: "off",
    });
  }

  private get downgrades(): Set<Downgrade> {
    const key = `${this.baseURL} ${this.model}`;
    let set = learnt.get(key);
    if (!set) {
      set = new Set();
      learnt.set(key, set);
    }
    return set;
  }

  /** The JSON mode the next request will use (json_object once json_schema was rejected). */
  get jsonMode(): JsonMode {
    return this.downgrades.has("json_object") ? "json_object" : this.configuredMode;
  }

  /** Text safe to show: the key (and every registered secret) replaced. */
  private scrub(text: string): string {
    return redact(this.apiKey ? text.split(this.apiKey).join("[redacted]") : text);
  }

  private body(messages: ChatMessage[], schema: ResponseSchema, maxTokens: number) {
    const d = this.downgrades;
    return {
      model: this.model,
      messages,
      ...(d.has("no_temperature") ? {} : { temperature: this.temperature }),
      ...(d.has("max_completion_tokens")
        ? { max_completion_tokens: maxTokens }
        : { max_tokens: maxTokens }),
      ...(d.has("no_response_format")
        ? {}
        : {
            response_format:
              this.jsonMode === "json_schema"
                ? {
                    type: "json_schema" as const,
                    json_schema: { name: schema.name, strict: true, schema: schema.schema },
                  }
                : { type: "json_object" as const },
          }),
    };
  }

  private backoff(failures: number): number {
    const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (failures - 1));
    return Math.round(exp * (0.5 + this.random() * 0.5));
  }

  /**
   * One chat completion asking for JSON, with this client's retry policy. `maxTokens` caps
   * this call's completion instead of the client's default (a deep-read card is longer).
   */
  async complete(
    messages: ChatMessage[],
    schema: ResponseSchema,
    options: { maxTokens?: number } = {},
  ): Promise<LlmReply> {
    const maxTokens = options.maxTokens ?? this.maxTokens;
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      const mode = this.jsonMode;
      this.requests.sent++;
      const timeout = this.clockTimeout ? timeoutSignal(this.clock, this.timeoutMs) : undefined;
      try {
        const completion = await this.sdk.chat.completions.create(
          this.body(messages, schema, maxTokens),
          timeout ? { signal: timeout.signal } : undefined,
        );
        const choice = completion.choices?.[0];
        const content = choice?.message?.content ?? "";
        const usage = completion.usage;
        return {
          content,
          mode,
          finishReason: choice?.finish_reason ?? null,
          usage: usage
            ? {
                promptTokens: usage.prompt_tokens ?? 0,
                completionTokens: usage.completion_tokens ?? 0,
                estimated: false,
              }
            : {
                promptTokens: estimateChatTokens(messages),
                completionTokens: estimateTokens(content),
                estimated: true,
              },
        };
      } catch (error) {
        timeout?.clear();
        this.requests.failed++;
        const failure = timeout?.signal.aborted
          ? { error: new LlmTimeoutError(this.timeoutMs, attempt) }
          : this.classify(error, attempt, mode);
        if (failure.downgrade && !this.downgrades.has(failure.downgrade)) {
          this.downgrades.add(failure.downgrade);
          this.log.warn("LLM provider rejected a request parameter; adapting for this process", {
            model: this.model,
            adapt: failure.downgrade,
          });
          continue;
        }
        failures++;
        const { error: typed, waitMs } = failure;
        if (!typed.retryable || failures >= this.maxAttempts) throw typed;
        const wait = waitMs ?? this.backoff(failures);
        if (wait > this.maxRetryAfterMs) throw typed;
        this.log.debug("LLM call failed, retrying", {
          attempt,
          waitMs: wait,
          error: typed.message,
        });
        await this.sleep(wait);
      } finally {
        timeout?.clear();
      }
    }
  }

  /** The typed error for one failed request, how long the provider asks us to wait, and
   * whether a parameter downgrade could help. */
  private classify(
    error: unknown,
    attempts: number,
    mode: JsonMode,
  ): { error: LlmError; waitMs?: number; downgrade?: Downgrade } {
    if (error instanceof APIConnectionTimeoutError) {
      return { error: new LlmTimeoutError(this.timeoutMs, attempts) };
    }
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      return { error: new LlmNetworkError(this.scrub(cause), attempts) };
    }
    if (error instanceof APIError && typeof error.status === "number") {
      const status = error.status;
      const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
      const message = this.scrub(error.message).slice(0, 300);
      const typed = new LlmHttpError(status, error.code ?? null, message, retryable, attempts);
      const waitMs = retryable ? retryAfterMs(error.headers, this.clock.now()) : undefined;
      const downgrade = downgradeFor(error, mode);
      return {
        error: typed,
        ...(waitMs === undefined ? {} : { waitMs }),
        ...(downgrade ? { downgrade } : {}),
      };
    }
    const detail = error instanceof Error ? error.message : String(error);
    return { error: new LlmError(this.scrub(`LLM call failed: ${detail}`), false, attempts) };
  }
}

/** Forgets learnt downgrades (tests). */
export function resetLearntDowngrades(): void {
  learnt.clear();
}
