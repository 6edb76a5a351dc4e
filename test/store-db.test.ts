import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Db,
  loadMigrations,
  migrate,
  openDatabase,
  SchemaTooNewError,
} from "../src/store/db.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";

const all = loadMigrations();
const latest = all.at(-1)?.version ?? 0;

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});
function track(db: Db): Db {
  opened.push(db);
  return db;
}

function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), "sudi-db-")), "sudi.db");
}

const tables = (db: Db) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
const schema = (db: Db) =>
  db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").all();

const paper: Paper = {
  id: "hep-th/0101001",
  version: 2,
  title: "Branes & Strings at Finite Temperature",
  abstract: "We compute the free energy $F(T) \\propto T^{4}$.",
  authors: [{ name: "J. Q. Physicist", affiliations: ["CERN"] }],
  primaryCategory: "hep-th",
  categories: ["hep-th", "gr-qc"],
  comment: "12 pages",
  journalRef: "JHEP 0102:001,2001",
  doi: "10.1088/1126-6708/2001/02/001",
  published: "2001-01-01T08:41:10Z",
  updated: "2001-02-05T11:20:31Z",
  announceDate: "2001-01-02",
  announceType: "new",
  codeUrl: null,
};

describe("migrations", () => {
  it("numbers are consecutive from 1", () => {
    expect(all.map((m) => m.version)).toEqual(all.map((_, i) => i + 1));
  });

  it("an empty file is migrated to the latest version, in WAL mode", () => {
    const path = tempDbPath();
    const db = track(openDatabase(path));
    expect(db.pragma("user_version", { simple: true })).toBe(latest);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(tables(db)).toEqual(
      expect.arrayContaining(["papers", "announcements", "ingest_runs", "search_fts", "cards"]),
    );
  });

  it("a file left at an older version is brought up to date and keeps its data", () => {
    const path = tempDbPath();
    const old = new Database(path);
    expect(migrate(old, all.slice(0, 1))).toBe(1);
    new PaperStore(old).upsert(paper, { date: "2001-01-02", type: "new" });
    old.close();

    const db = track(openDatabase(path));
    expect(db.pragma("user_version", { simple: true })).toBe(latest);
    expect(tables(db)).toEqual(expect.arrayContaining(["cards", "chats", "outbox"]));
    const store = new PaperStore(db);
    expect(store.get(paper.id)).toEqual(paper);
    expect(store.announced("2001-01-02").map((p) => p.id)).toEqual([paper.id]);
  });

  it("re-opening an up-to-date file changes nothing", () => {
    const path = tempDbPath();
    const first = track(openDatabase(path));
    new PaperStore(first).upsert(paper);
    const before = schema(first);
    first.close();
    const db = track(openDatabase(path));
    expect(schema(db)).toEqual(before);
    expect(migrate(db)).toBe(latest);
    expect(new PaperStore(db).get(paper.id)).toEqual({
      ...paper,
      announceDate: null,
      announceType: null,
    });
  });

  it("a migration that fails is rolled back whole: version and data stay", () => {
    const db = track(openDatabase(":memory:"));
    new PaperStore(db).upsert(paper);
    const broken = {
      version: latest + 1,
      name: "broken",
      sql: "CREATE TABLE half (x); DELETE FROM papers; INSERT INTO missing VALUES (1);",
    };
    expect(() => migrate(db, [...all, broken])).toThrow();
    expect(db.pragma("user_version", { simple: true })).toBe(latest);
    expect(tables(db)).not.toContain("half");
    expect(new PaperStore(db).get(paper.id)?.title).toBe(paper.title);
  });

  it("refuses a file written by a newer sudi", () => {
    const path = tempDbPath();
    const db = new Database(path);
    db.pragma(`user_version = ${latest + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(SchemaTooNewError);
  });
});
