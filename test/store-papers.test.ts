import { beforeEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../src/store/db.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";

function paper(overrides: Partial<Paper> = {}): Paper {
  return {
    id: "2404.01197",
    version: 1,
    title: "Getting it Right: Improving Spatial Consistency in Text-to-Image Models",
    abstract: "One of the key shortcomings in current text-to-image (T2I) models is spatial.",
    authors: [{ name: "Agneet Chatterjee", affiliations: ["Arizona State University"] }],
    primaryCategory: "cs.CV",
    categories: ["cs.CV"],
    comment: null,
    journalRef: null,
    doi: null,
    published: "2024-04-01T17:59:10Z",
    updated: "2024-04-01T17:59:10Z",
    announceDate: null,
    announceType: null,
    codeUrl: "https://spright-t2i.github.io/",
    ...overrides,
  };
}

let db: Db;
let store: PaperStore;
beforeEach(() => {
  db = openDatabase(":memory:");
  store = new PaperStore(db);
});

const row = (id: string) =>
  db.prepare("SELECT * FROM papers WHERE id = ?").get(id) as Record<string, unknown>;
const ftsRows = (id: string) =>
  db.prepare("SELECT title, abstract, card FROM search_fts WHERE paper_id = ?").all(id);
const search = (q: string) =>
  db.prepare("SELECT paper_id FROM search_fts WHERE search_fts MATCH ?").pluck().all(q);

describe("PaperStore.upsert", () => {
  it("stores a paper and reads it back through the schema", () => {
    const p = paper({ title: "A < B & C", abstract: "LaTeX $\\sigma$ stays" });
    expect(store.upsert(p, { date: "2024-04-24", type: "new" })).toBe("inserted");
    expect(store.get(p.id)).toEqual({ ...p, announceDate: "2024-04-24", announceType: "new" });
    expect(store.get("2404.99999")).toBeNull();
    expect(search('"B & C"')).toEqual([p.id]);
    expect(search('"sigma"')).toEqual([p.id]);
  });

  it("upserting the same paper again changes nothing, not even updated_at", () => {
    store.upsert(paper(), { date: "2024-04-24", type: "new" });
    const before = row("2404.01197");
    expect(store.upsert(paper(), { date: "2024-04-24", type: "new" })).toBe("unchanged");
    expect(row("2404.01197")).toEqual(before);
    expect(ftsRows("2404.01197")).toHaveLength(1);
    expect(db.prepare("SELECT count(*) FROM announcements").pluck().get()).toBe(1);
  });

  it("a newer version updates the row and the search index, keeps the first announce date and the card text", () => {
    store.upsert(paper(), { date: "2024-04-24", type: "new" });
    db.prepare("UPDATE search_fts SET card = '空间一致性' WHERE paper_id = ?").run("2404.01197");
    const v2 = paper({
      version: 2,
      title: "Revised Title About Layouts",
      abstract: "A revised abstract.",
      updated: "2024-04-25T09:00:00Z",
      comment: "v2: revised",
    });
    expect(store.upsert(v2, { date: "2024-04-26", type: "new" })).toBe("updated");
    expect(store.get("2404.01197")).toEqual({
      ...v2,
      announceDate: "2024-04-24",
      announceType: "new",
    });
    expect(ftsRows("2404.01197")).toEqual([
      { title: "Revised Title About Layouts", abstract: "A revised abstract.", card: "空间一致性" },
    ]);
    expect(search('"Layouts"')).toEqual(["2404.01197"]);
    expect(search('"shortcomings"')).toEqual([]);
  });

  it("an older version does not overwrite a newer one, only fills what it lacks", () => {
    store.upsert(paper({ version: 3, title: "v3 title", comment: null }));
    expect(store.upsert(paper({ version: 1, title: "v1 title", comment: "12 pages" }))).toBe(
      "updated",
    );
    expect(store.get("2404.01197")).toMatchObject({
      version: 3,
      title: "v3 title",
      comment: "12 pages",
    });
  });

  it("keeps affiliations when a feed record without them comes in", () => {
    store.upsert(paper());
    const fromFeed = paper({ authors: [{ name: "Agneet Chatterjee", affiliations: [] }] });
    expect(store.upsert(fromFeed)).toBe("unchanged");
    expect(store.get("2404.01197")?.authors[0]?.affiliations).toEqual(["Arizona State University"]);
  });

  it("a replace announcement is not recorded as an announcement", () => {
    store.upsert(paper({ version: 2 }), { date: "2024-04-24", type: "replace" });
    expect(store.get("2404.01197")).toMatchObject({ announceDate: null, announceType: null });
    expect(store.announced("2024-04-24")).toEqual([]);
  });

  it("a paper first seen on demand gets its announce date when it is announced", () => {
    store.upsert(paper());
    expect(store.upsert(paper(), { date: "2024-04-24", type: "cross" })).toBe("updated");
    expect(store.get("2404.01197")).toMatchObject({
      announceDate: "2024-04-24",
      announceType: "cross",
    });
  });
});

describe("PaperStore queries", () => {
  it("announced(date) lists new before cross; a later cross-list keeps the first date", () => {
    store.upsert(paper({ id: "2404.00002" }), { date: "2024-04-24", type: "cross" });
    store.upsert(paper({ id: "2404.00003" }), { date: "2024-04-24", type: "new" });
    store.upsert(paper({ id: "2404.00001" }), { date: "2024-04-24", type: "new" });
    store.upsert(paper({ id: "2404.00001" }), { date: "2024-04-25", type: "cross" });
    expect(store.announced("2024-04-24").map((p) => p.id)).toEqual([
      "2404.00001",
      "2404.00003",
      "2404.00002",
    ]);
    expect(store.announced("2024-04-25").map((p) => p.id)).toEqual(["2404.00001"]);
    expect(store.get("2404.00001")?.announceDate).toBe("2024-04-24");
    expect(store.latestAnnounceDate()).toBe("2024-04-25");
  });

  it("latestAnnounceDate is null on an empty store", () => {
    expect(store.latestAnnounceDate()).toBeNull();
  });

  it("getMany returns the stored ones in the order asked", () => {
    store.upsert(paper({ id: "2404.00001" }));
    store.upsert(paper({ id: "hep-th/0101001" }));
    expect(store.getMany(["hep-th/0101001", "2404.99999", "2404.00001"]).map((p) => p.id)).toEqual([
      "hep-th/0101001",
      "2404.00001",
    ]);
    expect(store.getMany([])).toEqual([]);
  });

  it("records and reads ingest runs", () => {
    expect(store.ingestRun("2024-04-24")).toBeNull();
    store.recordIngestRun({
      announceDate: "2024-04-24",
      categories: ["cs.CL", "cs.CV"],
      newCount: 41,
      crossCount: 4,
      replaceCount: 1,
      source: "feed",
      finishedAt: "2024-04-24T04:10:00.000Z",
    });
    expect(store.ingestRun("2024-04-24")).toEqual({
      announceDate: "2024-04-24",
      categories: ["cs.CL", "cs.CV"],
      newCount: 41,
      crossCount: 4,
      replaceCount: 1,
      source: "feed",
      finishedAt: "2024-04-24T04:10:00.000Z",
    });
    expect(() =>
      store.recordIngestRun({
        announceDate: "24/04/2024",
        categories: [],
        newCount: 0,
        crossCount: 0,
        replaceCount: 0,
        source: "feed",
      }),
    ).toThrow();
  });

  it("transaction rolls everything back when its function throws", () => {
    expect(() =>
      store.transaction(() => {
        store.upsert(paper(), { date: "2024-04-24", type: "new" });
        throw new Error("half-way");
      }),
    ).toThrow("half-way");
    expect(store.get("2404.01197")).toBeNull();
    expect(db.prepare("SELECT count(*) FROM search_fts").pluck().get()).toBe(0);
    expect(store.announced("2024-04-24")).toEqual([]);
  });

  it("a corrupt row fails loudly instead of reaching the digest", () => {
    store.upsert(paper());
    db.prepare("UPDATE papers SET authors = '[{\"nom\":1}]'").run();
    expect(() => store.get("2404.01197")).toThrow();
  });
});
