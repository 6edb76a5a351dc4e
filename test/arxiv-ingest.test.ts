import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidAnnounceDateError } from "../src/arxiv/calendar.ts";
import { ArxivClient } from "../src/arxiv/client.ts";
import { ArxivApiError, ArxivParseError, EmptyFeedError } from "../src/arxiv/errors.ts";
import { IngestInputError, ingestAnnouncement } from "../src/arxiv/ingest.ts";
import { type Db, openDatabase } from "../src/store/db.ts";
import type { Paper } from "../src/store/paper.ts";
import { type Announce, PaperStore } from "../src/store/papers.ts";
import {
  arxivFixture,
  type FakeArxiv,
  FEED_ATOM_2024_04_25,
  FEED_RSS_2024_04_24,
  startFakeArxiv,
  truncateXml,
} from "./fakes/arxiv.ts";

const CATEGORIES = ["cs.CL", "cs.CV", "cs.LG"];

let arxiv: FakeArxiv;
let db: Db;
let store: PaperStore;
let client: ArxivClient;

beforeEach(async () => {
  arxiv = await startFakeArxiv();
  db = openDatabase(":memory:");
  store = new PaperStore(db);
  client = new ArxivClient({
    apiUrl: arxiv.apiUrl,
    rssUrl: arxiv.rssUrl,
    minIntervalMs: 50,
    backoffMs: 50,
    timeoutMs: 2000,
  });
});
afterEach(async () => {
  db.close();
  await arxiv.close();
});

const ingest = (opts: Partial<Parameters<typeof ingestAnnouncement>[1]> = {}) =>
  ingestAnnouncement({ client, store }, { categories: CATEGORIES, ...opts });

/** Every row of every table the ingest writes: equal snapshots mean nothing changed. */
function snapshot() {
  const all = (sql: string) => db.prepare(sql).all();
  return {
    papers: all("SELECT * FROM papers ORDER BY id"),
    announcements: all("SELECT * FROM announcements ORDER BY announce_date, paper_id"),
    runs: all("SELECT * FROM ingest_runs ORDER BY announce_date"),
    fts: all("SELECT rowid, * FROM search_fts ORDER BY rowid"),
  };
}
const emptySnapshot = { papers: [], announcements: [], runs: [], fts: [] };

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "sudi-ingest-")), name);
  writeFileSync(path, content);
  return path;
}

describe("ingesting the announcement feed", () => {
  it.each([
    ["RSS", () => arxiv.rssUrl],
    ["Atom", () => arxiv.atomUrl],
  ])("%s: stores new and cross items, enriched from the API, in one run", async (_f, rssUrl) => {
    client = new ArxivClient({ apiUrl: arxiv.apiUrl, rssUrl: rssUrl(), minIntervalMs: 50 });
    const result = await ingest();
    expect(result).toEqual({
      announceDate: "2024-04-24",
      newCount: 41,
      crossCount: 4,
      replaceCount: 1,
      stored: 45,
      skippedAlreadyIngested: false,
      source: "feed",
      categories: CATEGORIES,
    });
    // one feed request, then one API request for the 45 announced ids
    expect(arxiv.requests.map((r) => r.endpoint)).toEqual(["feed", "api"]);
    expect(arxiv.requests[1]?.query.id_list?.split(",")).toHaveLength(45);

    const announced = store.announced("2024-04-24");
    expect(announced).toHaveLength(45);
    expect(announced.slice(-4).map((p) => p.announceType)).toEqual(Array(4).fill("cross"));
    // the API adds what the feed lacks
    expect(store.get("2404.01197")).toMatchObject({
      published: "2024-04-01T17:59:10Z",
      announceDate: "2024-04-24",
      announceType: "new",
    });
    // a cross-list keeps its primary category
    expect(store.get("2404.11584")).toMatchObject({
      announceType: "cross",
      primaryCategory: "cs.AI",
    });
    // a replace of a paper we never had is not stored
    expect(store.get("2305.06161")).toBeNull();
    expect(store.ingestRun("2024-04-24")).toMatchObject({
      categories: CATEGORIES,
      newCount: 41,
      source: "feed",
    });
    expect(store.latestAnnounceDate()).toBe("2024-04-24");
  });

  it("re-ingesting the same announcement changes nothing and fetches only the feed", async () => {
    await ingest();
    const before = snapshot();
    const requests = arxiv.requests.length;
    const again = await ingest();
    expect(again).toMatchObject({ skippedAlreadyIngested: true, stored: 0, newCount: 41 });
    expect(snapshot()).toEqual(before);
    expect(arxiv.requests.slice(requests).map((r) => r.endpoint)).toEqual(["feed"]);
  });

  it("re-ingesting for more categories rewrites no paper row", async () => {
    await ingest();
    const before = snapshot();
    const wider = await ingest({ categories: [...CATEGORIES, "cs.AI"] });
    expect(wider).toMatchObject({ skippedAlreadyIngested: false, stored: 0 });
    const after = snapshot();
    expect(after.papers).toEqual(before.papers);
    expect(after.fts).toEqual(before.fts);
    expect(after.announcements).toEqual(before.announcements);
    expect(store.ingestRun("2024-04-24")?.categories).toEqual([...CATEGORIES, "cs.AI"]);
  });

  it("the next day: replace updates a stored paper to its new version without announcing it again", async () => {
    await ingest();
    const firstTitle = store.get("2404.01197")?.title;
    arxiv.setFeed("rss", arxivFixture(FEED_ATOM_2024_04_25));
    arxiv.addApiDocuments(arxivFixture("api-2024-04-25.xml"));
    const result = await ingest();
    expect(result).toMatchObject({
      announceDate: "2024-04-25",
      newCount: 1,
      crossCount: 1,
      replaceCount: 2,
      stored: 3,
    });
    // only stored papers are asked for: not the replace-cross of a paper we never had
    expect(arxiv.requests.at(-1)?.query.id_list).toBe("2404.16001,2404.16002,2404.01197");

    const revised = store.get("2404.01197");
    expect(revised?.title).not.toBe(firstTitle);
    expect(revised).toMatchObject({
      version: 2,
      title: "Getting it Right: Improving Spatial Consistency in Text-to-Image Models (Revised)",
      comment: "v2: revised abstract",
      announceDate: "2024-04-24",
      announceType: "new",
    });
    expect(store.announced("2024-04-25").map((p) => p.id)).toEqual(["2404.16001", "2404.16002"]);
    expect(store.get("2403.09999")).toBeNull();

    const tokens = store.get("2404.16001");
    expect(tokens?.title).toBe("Tokens & Trees: When Is a <unk> Token Enough for Parsing?");
    expect(tokens?.abstract).toContain("$\\sigma < 1$");
    expect(tokens?.authors[0]?.affiliations).toEqual([
      "Tsinghua University",
      "Shanghai AI Laboratory",
    ]);
    expect(tokens).toMatchObject({
      doi: "10.18653/v1/2024.acl-long.1",
      journalRef: "Proceedings of ACL 2024, pp. 1-9",
    });
    expect(store.latestAnnounceDate()).toBe("2024-04-25");
  });
});

describe("failures leave the store as it was", () => {
  it("an empty feed is an EmptyFeedError: nothing written, no API request", async () => {
    arxiv.inject({ kind: "emptyFeed" });
    const error = await ingest().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmptyFeedError);
    expect(error).toMatchObject({
      feedDate: "2024-04-24",
      retryable: true,
      source: `${arxiv.rssUrl}/cs.CL+cs.CV+cs.LG`,
    });
    expect(snapshot()).toEqual(emptySnapshot);
    expect(arxiv.requests.map((r) => r.endpoint)).toEqual(["feed"]);
    // the scheduler's later retry succeeds
    expect((await ingest()).stored).toBe(45);
  });

  it("an empty feed is fetched again within the run when asked to", async () => {
    const waits: number[] = [];
    arxiv.inject({ kind: "emptyFeed" }, { times: 2 });
    const result = await ingestAnnouncement(
      { client, store, sleep: async (ms) => void waits.push(ms) },
      { categories: CATEGORIES, emptyFeedRetries: 2, emptyFeedRetryDelayMs: 60_000 },
    );
    expect(result.stored).toBe(45);
    expect(waits).toEqual([60_000, 60_000]);
    expect(arxiv.requests.map((r) => r.endpoint)).toEqual(["feed", "feed", "feed", "api"]);
  });

  it("malformed XML from the API fails the run with nothing half-written", async () => {
    arxiv.inject({ kind: "malformed" }, { on: "api" });
    await expect(ingest()).rejects.toBeInstanceOf(ArxivParseError);
    expect(snapshot()).toEqual(emptySnapshot);
  });

  it("a malformed feed fails the run before any API request", async () => {
    arxiv.inject({ kind: "malformed" }, { on: "feed" });
    await expect(ingest()).rejects.toBeInstanceOf(ArxivParseError);
    expect(arxiv.requests.map((r) => r.endpoint)).toEqual(["feed"]);
    expect(snapshot()).toEqual(emptySnapshot);
  });

  it("an API error entry fails the run", async () => {
    arxiv.inject({ kind: "errorEntry", message: "incorrect id format for 2404.0" });
    await expect(ingest()).rejects.toBeInstanceOf(ArxivApiError);
    expect(snapshot()).toEqual(emptySnapshot);
  });

  it("rides out 429 and 503 from the API", async () => {
    arxiv.inject({ kind: "status", status: 429, retryAfter: "0" }, { on: "api" });
    arxiv.inject({ kind: "status", status: 503, retryAfter: "0" }, { on: "api" });
    expect((await ingest()).stored).toBe(45);
    expect(arxiv.requests.map((r) => r.status)).toEqual([200, 429, 503, 200]);
  });

  it("a failure while writing rolls back every paper of the run", async () => {
    class FailingStore extends PaperStore {
      calls = 0;
      override upsert(paper: Paper, announce?: Announce) {
        if (++this.calls === 30) throw new Error("disk full");
        return super.upsert(paper, announce);
      }
    }
    const failing = new FailingStore(db);
    await expect(
      ingestAnnouncement({ client, store: failing }, { categories: CATEGORIES }),
    ).rejects.toThrow("disk full");
    expect(failing.calls).toBe(30);
    expect(snapshot()).toEqual(emptySnapshot);
  });
});

describe("back-fill by date (API search)", () => {
  it("stores the papers submitted in that announcement's window", async () => {
    const result = await ingest({ date: "2024-04-24" });
    expect(result).toEqual({
      announceDate: "2024-04-24",
      newCount: 2,
      crossCount: 0,
      replaceCount: 0,
      stored: 2,
      skippedAlreadyIngested: false,
      source: "api",
      categories: CATEGORIES,
    });
    expect(store.announced("2024-04-24").map((p) => p.id)).toEqual(["2404.15275", "2404.15449"]);
    expect(arxiv.requests[0]?.query.search_query).toContain("submittedDate:[");
  });

  it("classifies a paper whose primary category is not ingested as cross", async () => {
    const result = await ingest({ date: "2024-04-23", categories: ["cs.CL"] });
    expect(result).toMatchObject({ newCount: 1, crossCount: 1 });
    expect(store.get("2404.14394")?.announceType).toBe("cross");
  });

  it("a day already ingested is not fetched again", async () => {
    await ingest({ date: "2024-04-24" });
    const before = snapshot();
    const n = arxiv.requests.length;
    expect(await ingest({ date: "2024-04-24" })).toMatchObject({ skippedAlreadyIngested: true });
    expect(arxiv.requests).toHaveLength(n);
    expect(snapshot()).toEqual(before);
  });

  it("refuses weekends and impossible dates before any request", async () => {
    await expect(ingest({ date: "2024-04-27" })).rejects.toBeInstanceOf(InvalidAnnounceDateError);
    await expect(ingest({ date: "2024-02-30" })).rejects.toBeInstanceOf(InvalidAnnounceDateError);
    expect(arxiv.requests).toEqual([]);
  });

  it("a day with no results is an EmptyFeedError, not an empty day", async () => {
    await expect(ingest({ date: "2024-01-10" })).rejects.toBeInstanceOf(EmptyFeedError);
    expect(snapshot()).toEqual(emptySnapshot);
  });
});

describe("ingesting a file", () => {
  it("a feed file is stored without touching the network", async () => {
    const path = tempFile("feed.xml", arxivFixture(FEED_RSS_2024_04_24));
    const result = await ingest({ file: path });
    expect(result).toMatchObject({ announceDate: "2024-04-24", stored: 45, source: "file" });
    expect(arxiv.requests).toEqual([]);
    expect(store.get("2404.01197")?.published).toBeNull();
    // the run covers the feed's own categories, so a wider network run still happens
    expect(store.ingestRun("2024-04-24")?.categories).toEqual(CATEGORIES);
    const wider = await ingest({ categories: [...CATEGORIES, "cs.AI"] });
    expect(wider.skippedAlreadyIngested).toBe(false);
    expect(store.get("2404.01197")?.published).toBe("2024-04-01T17:59:10Z");
  });

  it("an API response file needs --date, and is then announced on that date", async () => {
    const path = tempFile("api.xml", arxivFixture("api-2024-04-25.xml"));
    await expect(ingest({ file: path })).rejects.toBeInstanceOf(IngestInputError);
    const result = await ingest({ file: path, date: "2024-04-25" });
    expect(result).toMatchObject({ newCount: 2, crossCount: 2, source: "file" });
    expect(store.get("hep-th/0101001")).toMatchObject({
      announceType: "cross",
      announceDate: "2024-04-25",
    });
    expect(arxiv.requests).toEqual([]);
  });

  it("a feed file for another day than --date is refused", async () => {
    const path = tempFile("feed.xml", arxivFixture(FEED_RSS_2024_04_24));
    await expect(ingest({ file: path, date: "2024-04-25" })).rejects.toThrow(/not of 2024-04-25/);
  });

  it("a malformed file writes nothing", async () => {
    const path = tempFile("bad.xml", truncateXml(arxivFixture(FEED_RSS_2024_04_24)));
    await expect(ingest({ file: path })).rejects.toBeInstanceOf(ArxivParseError);
    expect(snapshot()).toEqual(emptySnapshot);
  });
});
