/**
 * The one way sudi talks to arXiv. arXiv's terms ask for one request at a time, a few seconds
 * apart; this client queues every request (feed and API alike) and spaces their starts by
 * `minIntervalMs`, retries and waits included. 429, 5xx, timeouts and network errors are
 * retried with exponential backoff, honouring Retry-After; what remains is thrown as a typed
 * error (ArxivHttpError, ArxivNetworkError, ArxivApiError, ArxivParseError).
 */

import { type Clock, systemClock, timeoutSignal } from "../core/clock.ts";
import { retryAfterMs } from "../core/retry-after.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Paper } from "../store/paper.ts";
import { submissionWindow, submittedDateStamp } from "./calendar.ts";
import { ArxivApiError, ArxivHttpError, ArxivNetworkError } from "./errors.ts";
import { type AnnouncementFeed, type ApiPage, parseApiResponse, parseFeed } from "./parse.ts";

export interface ArxivClientOptions {
  /** ARXIV_API_URL, e.g. https://export.arxiv.org/api/query */
  apiUrl: string;
  /** ARXIV_RSS_URL, e.g. https://rss.arxiv.org/atom; "/cat1+cat2" is appended */
  rssUrl: string;
  /** least time between the starts of two requests (ARXIV_MIN_INTERVAL_MS) */
  minIntervalMs: number;
  /** per request, body included; default 30 s */
  timeoutMs?: number;
  /** retries after the first attempt; default 4 */
  maxRetries?: number;
  /** first backoff step, doubled on each retry; default 2 s (never below minIntervalMs) */
  backoffMs?: number;
  /** a Retry-After longer than this is not waited for: the error is thrown; default 5 min */
  maxRetryAfterMs?: number;
  /** API page size for searchByDate; default 500 (arXiv serves at most 2000) */
  pageSize?: number;
  userAgent?: string;
  fetch?: typeof globalThis.fetch;
  /** the clock of spacing, backoff, Retry-After dates and request timeouts; default the system's */
  clock?: Clock;
  /** overrides the clock's waits (tests that count them; timeouts stay on the clock) */
  sleep?: (ms: number) => Promise<void>;
  /** overrides the clock's time in ms, for spacing and Retry-After dates */
  now?: () => number;
  log?: Logger;
}

/** How long a person (chat /paper, `sudi paper`) waits for arXiv before hearing it is down. */
export const INTERACTIVE_WAIT_MS = 5000;

/** The API takes at most this many ids in one id_list. */
export const MAX_IDS_PER_REQUEST = 100;

const DEFAULT_USER_AGENT = "sudi (self-hosted arXiv digest bot)";

interface HttpResult {
  status: number;
  body: string;
  /** the raw body, when the request asked for bytes (a PDF) */
  bytes?: Uint8Array;
  contentType?: string | null;
}

/** How one request reads its answer: XML as text, or a document as bytes up to a cap. */
interface ReadOptions {
  bodyOnStatus: readonly number[];
  /** a person is waiting: give up by then (ms since epoch, by `now`), and at once when offline */
  deadline?: number;
  bytes?: { maxBytes: number };
  timeoutMs?: number;
  accept?: string;
}

/** A full-text document (HTML or PDF), or why there is none. */
export type DocumentResult =
  | { kind: "ok"; bytes: Uint8Array; contentType: string | null }
  | { kind: "missing" | "tooLarge" | "failed"; reason: string };

/** Reads a body, refusing one larger than `maxBytes` without buffering the rest. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(r.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Internal: a failed attempt that may be tried again. */
class Retryable extends Error {
  constructor(
    readonly error: ArxivHttpError | ArxivNetworkError,
    readonly retryAfterMs: number | null,
  ) {
    super(error.message);
  }
}

export class ArxivClient {
  private readonly fetchFn: typeof globalThis.fetch;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly pageSize: number;
  private readonly userAgent: string;
  /** the tail of the request queue: each request starts after the previous one settled */
  private queue: Promise<unknown> = Promise.resolve();
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ArxivClientOptions) {
    this.fetchFn = options.fetch ?? globalThis.fetch;
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.sleep = options.sleep ?? ((ms) => clock.sleep(ms));
    this.now = options.now ?? (() => clock.now());
    this.log = options.log ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 4;
    this.backoffMs = Math.max(options.backoffMs ?? 2000, options.minIntervalMs);
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
    this.pageSize = Math.min(options.pageSize ?? 500, 2000);
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  }

  /** The feed URL of `categories`: rssUrl + "/" + categories joined by "+". */
  feedUrl(categories: readonly string[]): string {
    if (categories.length === 0) throw new RangeError("a feed needs at least one category");
    return `${this.options.rssUrl.replace(/\/+$/, "")}/${categories.join("+")}`;
  }

  /** The announcement feed of `categories` (possibly empty: the caller decides what that means). */
  async fetchFeed(categories: readonly string[]): Promise<AnnouncementFeed> {
    const url = this.feedUrl(categories);
    return parseFeed((await this.get(url)).body, url);
  }

  /**
   * Full metadata of `ids` (without versions: the latest), in batches of at most 100. With
   * `waitMs` (a person is waiting: /paper), the call gives up after that long, and at once
   * when the network is unreachable, instead of backing off for a minute.
   */
  async fetchByIds(ids: readonly string[], options: { waitMs?: number } = {}): Promise<Paper[]> {
    const deadline = options.waitMs === undefined ? undefined : this.now() + options.waitMs;
    const unique = [...new Set(ids)];
    const papers: Paper[] = [];
    for (let i = 0; i < unique.length; i += MAX_IDS_PER_REQUEST) {
      const batch = unique.slice(i, i + MAX_IDS_PER_REQUEST);
      const page = await this.query(
        { id_list: batch.join(","), start: "0", max_results: String(batch.length) },
        deadline,
      );
      papers.push(...page.papers);
    }
    return papers;
  }

  /**
   * The back-fill path: papers in `categories` (primary or cross-listed) submitted in the
   * window that the announcement dated `date` covered (see calendar.ts), all pages.
   */
  async searchByDate(categories: readonly string[], date: string): Promise<Paper[]> {
    if (categories.length === 0) throw new RangeError("searchByDate needs at least one category");
    const { from, to } = submissionWindow(date);
    const last = new Date(to.getTime() - 60_000);
    const cats = categories.map((c) => `cat:${c}`).join(" OR ");
    const searchQuery = `(${cats}) AND submittedDate:[${submittedDateStamp(from)} TO ${submittedDateStamp(last)}]`;
    const papers: Paper[] = [];
    for (let start = 0; ; ) {
      const page = await this.query({
        search_query: searchQuery,
        sortBy: "submittedDate",
        sortOrder: "ascending",
        start: String(start),
        max_results: String(this.pageSize),
      });
      papers.push(...page.papers);
      start += page.papers.length;
      if (page.papers.length === 0 || start >= page.totalResults) {
        if (start < page.totalResults) {
          this.log.warn("arXiv returned an empty page before the end", {
            start,
            totalResults: page.totalResults,
          });
        }
        return papers;
      }
    }
  }

  /**
   * A full-text document (arXiv's HTML or PDF rendering) through the same queue and pacing as
   * every other request. A 404 is "missing" (arXiv has no HTML for many papers), a body over
   * `maxBytes` is "tooLarge", and what still fails after the retries is "failed": the caller
   * falls back rather than failing the user's request.
   */
  async fetchDocument(
    url: string,
    options: { maxBytes: number; timeoutMs?: number; accept?: string },
  ): Promise<DocumentResult> {
    try {
      const r = await this.get(url, {
        bodyOnStatus: [404, 410],
        bytes: { maxBytes: options.maxBytes },
        timeoutMs: options.timeoutMs,
        accept: options.accept,
      });
      if (r.status === 404 || r.status === 410)
        return { kind: "missing", reason: `HTTP ${r.status}` };
      if (!r.bytes) return { kind: "tooLarge", reason: `larger than ${options.maxBytes} bytes` };
      return { kind: "ok", bytes: r.bytes, contentType: r.contentType ?? null };
    } catch (error) {
      if (error instanceof ArxivHttpError || error instanceof ArxivNetworkError) {
        return { kind: "failed", reason: error.message };
      }
      throw error;
    }
  }

  private async query(params: Record<string, string>, deadline?: number): Promise<ApiPage> {
    const url = `${this.options.apiUrl}?${new URLSearchParams(params).toString()}`;
    // The API sends its error feed (an entry titled "Error") with HTTP 400.
    const { status, body } = await this.get(url, { bodyOnStatus: [400], deadline });
    try {
      return parseApiResponse(body, url);
    } catch (error) {
      if (status !== 200 && !(error instanceof ArxivApiError)) {
        throw new ArxivHttpError(status, url);
      }
      throw error;
    }
  }

  /**
   * GETs `url` through the queue. `bodyOnStatus` lists error statuses whose body is returned
   * rather than thrown.
   */
  private get(url: string, read: ReadOptions = { bodyOnStatus: [] }): Promise<HttpResult> {
    const run = this.queue.then(() => this.getWithRetries(url, read));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async getWithRetries(url: string, read: ReadOptions): Promise<HttpResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(url, read);
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        const backoff = this.backoffMs * 2 ** attempt;
        const wait = error.retryAfterMs ?? backoff;
        if (attempt >= this.maxRetries || wait > this.maxRetryAfterMs) throw error.error;
        if (read.deadline !== undefined) {
          const offline = error.error instanceof ArxivNetworkError && error.error.unreachable;
          if (offline || this.now() + wait >= read.deadline) throw error.error;
        }
        this.log.warn("arXiv request failed, retrying", {
          url,
          attempt: attempt + 1,
          waitMs: wait,
          error: error.error,
        });
        await this.sleep(wait);
      }
    }
  }

  /** One request, started no sooner than minIntervalMs after the previous start. */
  private async attempt(url: string, read: ReadOptions): Promise<HttpResult> {
    for (let wait = this.untilNextSlot(); wait > 0; wait = this.untilNextSlot()) {
      await this.sleep(wait);
    }
    this.lastStart = this.now();
    this.log.debug("arXiv request", { url });
    let status: number;
    let headers: Headers;
    const timeout = timeoutSignal(
      this.clock,
      Math.max(
        1,
        Math.min(
          read.timeoutMs ?? this.timeoutMs,
          read.deadline === undefined ? Number.POSITIVE_INFINITY : read.deadline - this.now(),
        ),
      ),
    );
    try {
      const response = await this.fetchFn(url, {
        headers: {
          "User-Agent": this.userAgent,
          Accept: read.accept ?? "application/atom+xml, application/xml",
        },
        signal: timeout.signal,
      });
      status = response.status;
      if (read.bytes && response.ok) {
        const bytes = await readCapped(response, read.bytes.maxBytes);
        const contentType = response.headers.get("content-type");
        return bytes ? { status, body: "", bytes, contentType } : { status, body: "", contentType };
      }
      if (response.ok || read.bodyOnStatus.includes(status)) {
        return { status, body: await response.text() };
      }
      headers = response.headers;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new Retryable(new ArxivNetworkError(url, timedOut, { cause: error }), null);
    } finally {
      timeout.clear();
    }
    const retryAfter = retryAfterMs(headers, this.now()) ?? null;
    const error = new ArxivHttpError(status, url, retryAfter);
    if (error.retryable) throw new Retryable(error, retryAfter);
    throw error;
  }

  private untilNextSlot(): number {
    return this.lastStart + this.options.minIntervalMs - this.now();
  }
}
