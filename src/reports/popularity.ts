/**
 * Popularity signals from outside arXiv, for the 热门 side of 周报 and 月报: Hugging Face's
 * daily-papers upvotes and the GitHub stars of a paper's code link. Both are optional and
 * never block a report: every request has a timeout, a source that fails or times out is left
 * alone for the rest of the run, and the report says which signals it used.
 *
 * Politeness: answers are cached in SQLite for a day. Hugging Face is asked once per listing
 * day of the period. GitHub is asked only for papers on a shortlist and, without a token,
 * within its 60 requests an hour: this process keeps a sliding window of its own requests,
 * spends at most a share of it per run (the rest is fetched by later runs as the cache
 * fills), and stops when GitHub says no requests remain.
 */

import { z } from "zod";
import { type Clock, systemClock, timeoutSignal } from "../core/clock.ts";
import { type Logger, redact, silentLogger } from "../log.ts";
import type { ReportStore } from "../store/reports.ts";

export type SignalSource = "hf" | "github";

/** How a source did in one run, for the report's "signals used" line. */
export interface SignalStatus {
  source: SignalSource;
  /** ok: every wanted value is known; partial: some; failed: the source did not answer; off */
  state: "ok" | "partial" | "failed" | "off";
  /** values known (from cache or fetched) out of those wanted */
  known: number;
  wanted: number;
}

export interface PopularityOptions {
  store: Pick<ReportStore, "signal" | "putSignal" | "allSignals">;
  hfApiUrl?: string;
  githubApiUrl?: string;
  githubToken?: string;
  /** per request (default 5 s) */
  timeoutMs?: number;
  /** cached answers are fresh this long (default 1 day) */
  cacheMs?: number;
  /** GitHub requests per hour this process allows itself (default 60 without a token, 1000 with) */
  githubPerHour?: number;
  /** share of the hourly allowance one run may spend (default 1/3) */
  githubShare?: number;
  /** Hugging Face off (tests, offline) */
  disabled?: readonly SignalSource[];
  fetch?: typeof fetch;
  /** the cache's and the rate limit's time, and the request timeouts' (default the system clock) */
  clock?: Clock;
  log?: Logger;
}

/** A GET's status, headers and, for a 2xx answer, its JSON body. */
interface JsonAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  json: unknown;
}

/** The signals of one paper, when known. */
export interface PaperPopularity {
  upvotes?: number;
  stars?: number;
}

const HfDaySchema = z.array(
  z.object({
    paper: z.object({
      id: z.string().max(40),
      upvotes: z.number().int().nonnegative().optional(),
    }),
  }),
);
const GithubRepoSchema = z.object({ stargazers_count: z.number().int().nonnegative() });

/** owner/repo of a github.com link, or null (the only links whose stars we ask for). */
export function githubRepoOf(url: string | null | undefined): string | null {
  if (!url) return null;
  const m =
    /^https?:\/\/(?:www\.)?github\.com\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?(?:[/#?].*)?$/.exec(
      url.trim(),
    );
  if (!m?.[1] || !m[2] || m[2] === "." || m[2] === "..") return null;
  return `${m[1]}/${m[2]}`.toLowerCase();
}

/** The popularity bonus added to a paper's score (0 when nothing is known, at most ~2). */
export function popularityBonus(p: PaperPopularity | undefined): number {
  if (!p) return 0;
  const hf = p.upvotes ? Math.log10(1 + p.upvotes) : 0;
  const gh = p.stars ? 0.5 * Math.log10(1 + p.stars) : 0;
  return Math.min(2, hf + gh);
}

class SourceDown extends Error {}

export class PopularityService {
  private readonly fetchFn: typeof fetch;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly githubPerHour: number;
  private readonly githubShare: number;
  /** instants of this process's GitHub requests in the last hour */
  private readonly githubRequests: number[] = [];
  private githubBlockedUntil = 0;

  constructor(private readonly opts: PopularityOptions) {
    this.fetchFn = opts.fetch ?? fetch;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLogger;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.cacheMs = opts.cacheMs ?? 86_400_000;
    this.githubPerHour = opts.githubPerHour ?? (opts.githubToken ? 1000 : 60);
    this.githubShare = opts.githubShare ?? 1 / 3;
  }

  private on(source: SignalSource): boolean {
    if (this.opts.disabled?.includes(source)) return false;
    return source === "hf" ? Boolean(this.opts.hfApiUrl) : Boolean(this.opts.githubApiUrl);
  }

  private fresh(source: string, key: string): { value: number | null } | undefined {
    const cached = this.opts.store.signal(source, key);
    if (!cached) return undefined;
    return this.clock.now() - Date.parse(cached.fetchedAt) < this.cacheMs ? cached : undefined;
  }

  /** Cached values only, no request: what a bulk run over many chats reads. */
  cached(papers: readonly { id: string; codeUrl: string | null }[]): Map<string, PaperPopularity> {
    const out = new Map<string, PaperPopularity>();
    for (const p of papers) {
      const upvotes = this.opts.store.signal("hf", p.id)?.value ?? undefined;
      const repo = githubRepoOf(p.codeUrl);
      const stars = repo ? (this.opts.store.signal("github", repo)?.value ?? undefined) : undefined;
      if (upvotes !== undefined || stars !== undefined) out.set(p.id, { upvotes, stars });
    }
    return out;
  }

  /** Cached values of many papers, reading each source's cache once (bulk runs). */
  cachedAll(
    papers: readonly { id: string; codeUrl: string | null }[],
  ): Map<string, PaperPopularity> {
    const hf = this.opts.store.allSignals("hf");
    const gh = this.opts.store.allSignals("github");
    const out = new Map<string, PaperPopularity>();
    for (const p of papers) {
      const upvotes = hf.get(p.id) ?? undefined;
      const repo = githubRepoOf(p.codeUrl);
      const stars = repo ? (gh.get(repo) ?? undefined) : undefined;
      if (upvotes !== undefined || stars !== undefined) out.set(p.id, { upvotes, stars });
    }
    return out;
  }

  /**
   * Fetches what is missing for the shortlist (Hugging Face per listing day, GitHub per
   * repository), then returns every known value and how each source did. Never throws.
   */
  async gather(
    listingDays: readonly string[],
    shortlist: readonly { id: string; codeUrl: string | null }[],
  ): Promise<{ values: Map<string, PaperPopularity>; status: SignalStatus[] }> {
    const status: SignalStatus[] = [
      await this.gatherHf(listingDays, shortlist),
      await this.gatherGithub(shortlist),
    ];
    return { values: this.cached(shortlist), status };
  }

  /** One GET whose timeout covers the body too; the body is read only from a 2xx answer. */
  private async getJson(url: string, headers: Record<string, string>): Promise<JsonAnswer> {
    const timeout = timeoutSignal(this.clock, this.timeoutMs);
    try {
      const res = await this.fetchFn(url, {
        headers: {
          "user-agent": "sudi (arXiv digest bot)",
          accept: "application/json",
          ...headers,
        },
        signal: timeout.signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        return { status: res.status, ok: false, headers: res.headers, json: undefined };
      }
      return { status: res.status, ok: true, headers: res.headers, json: await res.json() };
    } finally {
      timeout.clear();
    }
  }

  private async gatherHf(
    days: readonly string[],
    shortlist: readonly { id: string }[],
  ): Promise<SignalStatus> {
    const wanted = shortlist.length;
    if (!this.on("hf")) return { source: "hf", state: "off", known: 0, wanted };
    let failedDays = 0;
    let down = false;
    for (const day of days) {
      if (this.fresh("hf-day", day) || down) {
        if (down) failedDays++;
        continue;
      }
      try {
        const url = `${this.opts.hfApiUrl}/daily_papers?date=${encodeURIComponent(day)}&limit=100`;
        const res = await this.getJson(url, {});
        if (res.status === 404) {
          this.opts.store.putSignal("hf-day", day, 0, new Date(this.clock.now()).toISOString());
          continue;
        }
        if (!res.ok) throw new SourceDown(`HTTP ${res.status}`);
        const items = HfDaySchema.parse(res.json);
        const at = new Date(this.clock.now()).toISOString();
        for (const { paper } of items) {
          const id = paper.id.replace(/v\d+$/, "");
          const before = this.opts.store.signal("hf", id)?.value ?? 0;
          this.opts.store.putSignal("hf", id, Math.max(before, paper.upvotes ?? 0), at);
        }
        this.opts.store.putSignal("hf-day", day, items.length, at);
      } catch (error) {
        // One failure (offline, timeout, a changed API) ends this source for the run.
        down = true;
        failedDays++;
        this.log.warn("Hugging Face daily papers unavailable; ranking without upvotes", {
          day,
          error: redact(error instanceof Error ? error.message : String(error)),
        });
      }
    }
    const known = shortlist.filter((p) => this.opts.store.signal("hf", p.id) !== undefined).length;
    // Upvotes exist only for papers Hugging Face listed: every day read is "ok".
    const state = failedDays === 0 ? "ok" : failedDays === days.length ? "failed" : "partial";
    return { source: "hf", state, known, wanted };
  }

  private githubAllowance(): number {
    const hourAgo = this.clock.now() - 3_600_000;
    while ((this.githubRequests[0] ?? Number.POSITIVE_INFINITY) < hourAgo)
      this.githubRequests.shift();
    if (this.clock.now() < this.githubBlockedUntil) return 0;
    const left = this.githubPerHour - this.githubRequests.length;
    return Math.max(0, Math.min(left, Math.ceil(this.githubPerHour * this.githubShare)));
  }

  private async gatherGithub(
    shortlist: readonly { id: string; codeUrl: string | null }[],
  ): Promise<SignalStatus> {
    const repos = [
      ...new Set(shortlist.map((p) => githubRepoOf(p.codeUrl)).filter((r) => r !== null)),
    ];
    const wanted = repos.length;
    if (!this.on("github")) return { source: "github", state: "off", known: 0, wanted };
    let allowance = this.githubAllowance();
    let failed = false;
    for (const repo of repos) {
      if (this.fresh("github", repo)) continue;
      if (allowance <= 0 || failed) break;
      allowance--;
      this.githubRequests.push(this.clock.now());
      try {
        const headers: Record<string, string> = {
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
        };
        if (this.opts.githubToken) headers.authorization = `Bearer ${this.opts.githubToken}`;
        const res = await this.getJson(`${this.opts.githubApiUrl}/repos/${repo}`, headers);
        const remaining = Number(res.headers.get("x-ratelimit-remaining") ?? Number.NaN);
        if (remaining === 0) {
          const reset = Number(res.headers.get("x-ratelimit-reset") ?? 0) * 1000;
          this.githubBlockedUntil = Math.max(reset, this.clock.now() + 60_000);
          allowance = 0;
        }
        const at = new Date(this.clock.now()).toISOString();
        if (res.status === 404) {
          this.opts.store.putSignal("github", repo, null, at);
          continue;
        }
        if (res.status === 403 || res.status === 429) {
          this.githubBlockedUntil = Math.max(this.githubBlockedUntil, this.clock.now() + 3_600_000);
          throw new SourceDown(`rate limited (HTTP ${res.status})`);
        }
        if (!res.ok) throw new SourceDown(`HTTP ${res.status}`);
        const repoInfo = GithubRepoSchema.parse(res.json);
        this.opts.store.putSignal("github", repo, repoInfo.stargazers_count, at);
      } catch (error) {
        failed = true;
        this.log.warn("GitHub stars unavailable; ranking without them", {
          error: redact(error instanceof Error ? error.message : String(error)),
        });
      }
    }
    const known = repos.filter((r) => this.opts.store.signal("github", r) !== undefined).length;
    const state = known === wanted ? "ok" : known === 0 && failed ? "failed" : "partial";
    return { source: "github", state, known, wanted };
  }
}
