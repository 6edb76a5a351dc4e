/**
 * What can go wrong talking to arXiv, as typed errors carrying their context, so callers decide
 * by class and fields (`status === 429`, `retryable`) instead of parsing messages.
 */
import { describeError } from "../log.ts";

/** arXiv answered with a non-success HTTP status (after any retries). */
export class ArxivHttpError extends Error {
  /** 429 and 5xx: worth trying again later */
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    readonly url: string,
    /** the server's Retry-After, in ms, when it sent one */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`arXiv answered HTTP ${status} for ${url}`);
    this.name = "ArxivHttpError";
    this.retryable = status === 429 || status >= 500;
  }
}

/** System error codes that mean "no route to arXiv at all" (offline, DNS down, firewalled). */
const UNREACHABLE_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
]);

/** The request never got an answer: connection refused or reset, DNS, or our timeout. */
export class ArxivNetworkError extends Error {
  readonly retryable = true;
  /**
   * The network itself is down or arXiv's host cannot be resolved or reached: a person waiting
   * for an answer should be told at once rather than wait out the backoff.
   */
  readonly unreachable: boolean;
  constructor(
    readonly url: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `arXiv request failed (${timedOut ? "timed out" : describeError(options?.cause)}) for ${url}`,
      options,
    );
    this.name = "ArxivNetworkError";
    this.unreachable = !timedOut && UNREACHABLE_CODES.has(errorCode(options?.cause) ?? "");
  }
}

/** The API's own error feed: an entry titled "Error" whose id is .../api/errors#... */
export class ArxivApiError extends Error {
  readonly retryable = false;
  constructor(
    /** arXiv's message, e.g. "incorrect id format for not-an-id" */
    readonly detail: string,
    /** the error entry's id, e.g. http://arxiv.org/api/errors#incorrect_id_format_for_x */
    readonly errorId: string,
    readonly url: string | null = null,
  ) {
    super(`arXiv API error: ${detail}${url ? ` (${url})` : ""}`);
    this.name = "ArxivApiError";
  }
}

/** The response is not well-formed XML, or not in a format we know (feed or API). */
export class ArxivParseError extends Error {
  readonly retryable = false;
  constructor(
    readonly reason: string,
    /** where the XML broke, when the parser knows */
    readonly line: number | null = null,
    readonly source: string | null = null,
  ) {
    super(
      `cannot read arXiv XML${source ? ` from ${source}` : ""}: ${reason}${line ? ` (line ${line})` : ""}`,
    );
    this.name = "ArxivParseError";
  }
}

/**
 * The announcement feed listed no papers. On an announcement day that means arXiv has not
 * published yet (or the feed lags), so it is retried later, never stored as "no papers".
 * Weekends and holidays also give empty feeds: the scheduler decides which days to expect.
 */
export class EmptyFeedError extends Error {
  readonly retryable = true;
  constructor(
    /** where the empty listing came from: the feed URL, a file, or the API search of a day */
    readonly source: string,
    /** the date the feed claims (YYYY-MM-DD), when it carries one */
    readonly feedDate: string | null,
  ) {
    super(`the arXiv feed lists no papers${feedDate ? ` (dated ${feedDate})` : ""}: ${source}`);
    this.name = "EmptyFeedError";
  }
}

/** The system error code (ENOTFOUND, ECONNREFUSED, ...) of a fetch failure, if any. */
function errorCode(cause: unknown): string | undefined {
  for (let e = cause, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    e = (e as Error & { cause?: unknown }).cause;
  }
  return undefined;
}
