/**
 * The ingest stage: one arXiv announcement into the store. The feed says what was announced
 * (new, cross, replace); the API adds what the feed lacks (affiliations, comment, journal_ref,
 * DOI, submission dates). Everything is fetched first and written in one transaction, so a
 * failure anywhere (network, malformed XML) leaves the store as it was; an announcement day
 * that was already ingested is not fetched or written again.
 */
import { readFile } from "node:fs/promises";
import { metrics } from "../core/metrics.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { AnnounceType, Paper } from "../store/paper.ts";
import { mergePaper } from "../store/paper-merge.ts";
import type { PaperStore } from "../store/papers.ts";
import { submissionWindow } from "./calendar.ts";
import type { ArxivClient } from "./client.ts";
import { ArxivParseError, EmptyFeedError } from "./errors.ts";
import { type AnnouncementFeed, parseArxivXml } from "./parse.ts";

export interface IngestDeps {
  client: Pick<ArxivClient, "feedUrl" | "fetchFeed" | "fetchByIds" | "searchByDate">;
  store: PaperStore;
  log?: Logger;
  /** waits between empty-feed retries; default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface IngestOptions {
  categories: string[];
  /** back-fill this announcement day (YYYY-MM-DD) from the API instead of reading the feed */
  date?: string;
  /** read this feed or API response file instead of the network (no request is made) */
  file?: string;
  /** how often an empty feed is fetched again within this run before EmptyFeedError; default 0 */
  emptyFeedRetries?: number;
  /** wait between those fetches; default 5 min */
  emptyFeedRetryDelayMs?: number;
}

export interface IngestResult {
  announceDate: string;
  newCount: number;
  crossCount: number;
  /** replace / replace-cross items in the feed (only papers already stored are updated) */
  replaceCount: number;
  /** papers inserted or changed by this run */
  stored: number;
  /** the day had been ingested before (for these categories): nothing was fetched or written */
  skippedAlreadyIngested: boolean;
  source: "feed" | "api" | "file";
  /** the categories this run covered: the feed's own (a file says which), else the configured */
  categories: string[];
}

/** The request cannot be served as given, e.g. an API response file without --date. */
export class IngestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IngestInputError";
  }
}

interface Listed {
  paper: Paper;
  type: AnnounceType;
}

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Ingests the latest announcement of `categories` (the feed), a given day (`date`, from the
 * API's search), or a file. Throws EmptyFeedError when the feed lists nothing (retry later).
 */
export async function ingestAnnouncement(
  deps: IngestDeps,
  opts: IngestOptions,
): Promise<IngestResult> {
  const run = new Ingestion(deps, opts);
  if (opts.file !== undefined) return run.fromFile(opts.file);
  if (opts.date !== undefined) return run.fromSearch(opts.date);
  return run.fromFeed();
}

/** One call of ingestAnnouncement: its options, categories and logger. */
class Ingestion {
  private readonly log: Logger;
  private readonly categories: string[];

  constructor(
    private readonly deps: IngestDeps,
    private readonly opts: IngestOptions,
  ) {
    this.log = (deps.log ?? silentLogger).child({ stage: "ingest" });
    this.categories = [...new Set(opts.categories)];
    if (this.categories.length === 0) throw new IngestInputError("no categories to ingest");
  }

  async fromFeed(): Promise<IngestResult> {
    const retries = this.opts.emptyFeedRetries ?? 0;
    for (let attempt = 0; ; attempt++) {
      const feed = await this.deps.client.fetchFeed(this.categories);
      if (feed.items.length > 0 || attempt >= retries) {
        const url = this.deps.client.feedUrl(this.categories);
        return this.ingestFeed(feed, "feed", url, this.categories, true);
      }
      const delay = this.opts.emptyFeedRetryDelayMs ?? 300_000;
      this.log.warn("arXiv feed is empty, fetching it again", { attempt: attempt + 1, delay });
      await (this.deps.sleep ?? realSleep)(delay);
    }
  }

  async fromSearch(date: string): Promise<IngestResult> {
    submissionWindow(date); // a bad or weekend date fails before any request
    const done = this.alreadyIngested(date, this.categories);
    if (done) return done;
    const papers = await this.deps.client.searchByDate(this.categories, date);
    if (papers.length === 0) throw new EmptyFeedError(`arXiv API search for ${date}`, date);
    return this.ingestListed(date, this.categories, this.classify(papers), 0, "api");
  }

  async fromFile(path: string): Promise<IngestResult> {
    const doc = parseArxivXml(await readFile(path, "utf8"), path);
    if (doc.kind === "feed") {
      const { date } = this.opts;
      if (date !== undefined && doc.feed.announceDate !== date) {
        throw new IngestInputError(
          `${path} is the feed of ${doc.feed.announceDate ?? "an undated day"}, not of ${date}`,
        );
      }
      const covered = doc.feed.categories.length > 0 ? doc.feed.categories : this.categories;
      return this.ingestFeed(doc.feed, "file", path, covered, false);
    }
    const date = this.opts.date;
    if (date === undefined) {
      throw new IngestInputError(
        `${path} is an API response, which carries no announcement date: pass --date YYYY-MM-DD`,
      );
    }
    submissionWindow(date);
    // a file may hold part of a day: it covers only the categories its papers are in
    const covered = this.categories.filter((c) =>
      doc.page.papers.some((p) => p.categories.includes(c)),
    );
    const done = this.alreadyIngested(date, covered);
    if (done) return done;
    if (doc.page.papers.length === 0) throw new EmptyFeedError(path, date);
    return this.ingestListed(date, covered, this.classify(doc.page.papers), 0, "file");
  }

  /** API papers as announced on a day: new in their primary category, else cross-listed. */
  private classify(papers: Paper[]): Listed[] {
    return papers.map((paper) => ({
      paper,
      type: this.categories.includes(paper.primaryCategory) ? "new" : "cross",
    }));
  }

  private async ingestFeed(
    feed: AnnouncementFeed,
    source: "feed" | "file",
    where: string,
    covered: string[],
    enrich: boolean,
  ): Promise<IngestResult> {
    if (feed.items.length === 0) throw new EmptyFeedError(where, feed.announceDate);
    const date = feed.announceDate;
    if (date === null) throw new ArxivParseError("the feed carries no date", null, where);
    const done = this.alreadyIngested(date, covered);
    if (done) return done;

    const listed = feed.items.filter((i) => i.announceType === "new" || i.announceType === "cross");
    const replaces = feed.items.filter((i) => i.announceType.startsWith("replace"));
    const known = new Set(this.deps.store.getMany(replaces.map((p) => p.id)).map((p) => p.id));
    const updates = replaces.filter((p) => known.has(p.id));

    let full = new Map<string, Paper>();
    if (enrich) {
      const ids = [...listed, ...updates].map((p) => p.id);
      full = new Map((await this.deps.client.fetchByIds(ids)).map((p) => [p.id, p]));
      const missing = ids.filter((id) => !full.has(id));
      if (missing.length > 0) {
        this.log.warn("arXiv API lacks papers the feed listed; keeping feed metadata", {
          missing: missing.slice(0, 10).join(","),
          count: missing.length,
        });
      }
    }
    const withApi = (p: Paper) => {
      const api = full.get(p.id);
      return api ? mergePaper(p, api) : p;
    };
    return this.ingestListed(
      date,
      covered,
      listed.map((item) => ({ paper: withApi(item), type: item.announceType })),
      replaces.length,
      source,
      updates.map(withApi),
    );
  }

  /** The one write: every paper, the announcement rows and the run record, or nothing. */
  private ingestListed(
    date: string,
    covered: string[],
    listed: Listed[],
    replaceCount: number,
    source: IngestResult["source"],
    updates: Paper[] = [],
  ): IngestResult {
    const { store } = this.deps;
    const previous = store.ingestRun(date);
    const result: IngestResult = {
      announceDate: date,
      newCount: listed.filter((l) => l.type === "new").length,
      crossCount: listed.filter((l) => l.type === "cross").length,
      replaceCount,
      stored: 0,
      skippedAlreadyIngested: false,
      source,
      categories: covered,
    };
    store.transaction(() => {
      for (const { paper, type } of listed) {
        if (store.upsert(paper, { date, type }) !== "unchanged") result.stored++;
      }
      for (const paper of updates) {
        if (store.upsert(paper) !== "unchanged") result.stored++;
      }
      store.recordIngestRun({
        announceDate: date,
        categories: [...new Set([...(previous?.categories ?? []), ...covered])],
        newCount: result.newCount,
        crossCount: result.crossCount,
        replaceCount,
        source,
      });
    });
    metrics.papersIngested.inc({ type: "new" }, result.newCount);
    metrics.papersIngested.inc({ type: "cross" }, result.crossCount);
    this.log.info("announcement ingested", { ...result });
    return result;
  }

  /** The result of an earlier run that covered every category of this one, if there was one. */
  private alreadyIngested(date: string, covered: string[]): IngestResult | null {
    const run = this.deps.store.ingestRun(date);
    if (!run || !covered.every((c) => run.categories.includes(c))) return null;
    this.log.info("announcement already ingested", { announceDate: date });
    return {
      announceDate: date,
      newCount: run.newCount,
      crossCount: run.crossCount,
      replaceCount: run.replaceCount,
      stored: 0,
      skippedAlreadyIngested: true,
      source: run.source,
      categories: covered,
    };
  }
}
