import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { main } from "../src/cli.ts";
import { createLogger } from "../src/log.ts";
import {
  type Db,
  LEGACY_DB_PATHS,
  LegacyDatabaseError,
  legacyDatabase,
  loadMigrations,
  migrate,
  openDatabase,
} from "../src/store/db.ts";
import { DeliveryStore } from "../src/store/deliveries.ts";
import {
  autoVacuumOf,
  runMaintenance,
  storeStats,
  vacuumInto,
  weeklyMaintenance,
} from "../src/store/maintenance.ts";
import { OutboxStore, packIds } from "../src/store/outbox.ts";
import { GROUP, paper, setup } from "./commands-setup.ts";
import { addChats, stores } from "./helpers/delivery.ts";

const all = loadMigrations();
const LEDGER_MIGRATION = all.findIndex((m) => m.name === "ledger") + 1;

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});
function track(db: Db): Db {
  opened.push(db);
  return db;
}
const tempDir = () => mkdtempSync(join(tmpdir(), "sudi-ledger-"));

const plan = (db: Db, sql: string, ...params: unknown[]) =>
  db
    .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((r) => r.detail)
    .join("; ");

describe("the packed sent ledger", () => {
  it("keeps one row per (chat, announcement day) holding the sorted ids", () => {
    const s = stores();
    const [chat] = addChats(s.chats, 1);
    if (!chat) throw new Error("no chat");
    s.outbox.reserve(chat.id, "2024-04-24", ["2404.00003", "2404.00001", "2404.00002"], "b1");
    s.outbox.markSent(chat.id, ["2404.00003", "2404.00001"]);
    s.outbox.markSent(chat.id, ["2404.00002"]);
    s.outbox.recordSent(chat.id, "2024-04-25", ["2404.00009"]);
    const rows = s.db.prepare("SELECT * FROM sent_ledger ORDER BY announce_date").all();
    expect(rows).toEqual([
      {
        chat: chat.id,
        announce_date: "2024-04-24",
        paper_ids: "2404.00001,2404.00002,2404.00003",
        papers: 3,
      },
      { chat: chat.id, announce_date: "2024-04-25", paper_ids: "2404.00009", papers: 1 },
    ]);
    expect(s.db.prepare("SELECT count(*) FROM outbox").pluck().get()).toBe(0);
    expect(s.outbox.sentAmong(chat.id, ["2404.00002", "2404.00009", "2404.00010"])).toEqual(
      new Set(["2404.00002", "2404.00009"]),
    );
    // Sent ids are never reserved again.
    expect(s.outbox.reserve(chat.id, "2024-04-26", ["2404.00001", "2404.00010"], "b2")).toEqual([
      "2404.00010",
    ]);
    expect(s.outbox.counts()).toEqual({ pending: 1, sent: 4, failed: 0 });
  });

  it("compaction drops the ids of days older than the window and keeps their count", () => {
    const s = stores();
    const [chat] = addChats(s.chats, 1);
    if (!chat) throw new Error("no chat");
    s.outbox.recordSent(chat.id, "2024-03-01", ["2403.00001", "2403.00002"]);
    s.outbox.recordSent(chat.id, "2024-04-24", ["2404.00001"]);
    s.outbox.reserve(chat.id, "2024-03-01", ["2403.00003", "2403.00004"], "old");
    s.outbox.markFailed(chat.id, ["2403.00003"]);
    const report = runMaintenance(s.db, {
      retentionDays: 30,
      now: new Date("2024-04-25T00:00:00Z"),
    });
    expect(report).toMatchObject({ keptFrom: "2024-03-26", daysCompacted: 1, failedDropped: 1 });
    expect(s.db.prepare("SELECT announce_date, paper_ids, papers FROM sent_ledger").all()).toEqual([
      { announce_date: "2024-03-01", paper_ids: null, papers: 2 },
      { announce_date: "2024-04-24", paper_ids: "2404.00001", papers: 1 },
    ]);
    // A pending row belongs to a delivery: compaction never touches it.
    expect(s.outbox.pending().map((e) => e.paperId)).toEqual(["2403.00004"]);
    expect(s.outbox.sentAmong(chat.id, ["2403.00001", "2404.00001"])).toEqual(
      new Set(["2404.00001"]),
    );
    expect(s.outbox.counts().sent).toBe(3);
  });

  it("a compacted paper listed again (a new version, cross-listed weeks later) is not sent again", () => {
    const s = setup();
    const chat = s.chats.ensure(GROUP);
    s.subscriptions.add(chat.id, "topic", "text-to-video", null);
    const p = paper("2404.00021", { title: "Text-to-video generation", categories: ["cs.CV"] });
    s.papers.upsert(p, { date: "2024-04-24", type: "new" });
    expect(s.digests.forChats([chat], "2024-04-24").flatMap((d) => d.message.blocks)).not.toEqual(
      [],
    );
    s.outbox.recordSent(chat.id, "2024-04-24", [p.id]);
    runMaintenance(s.db, { retentionDays: 7, now: new Date("2024-06-01T00:00:00Z") });
    expect(s.db.prepare("SELECT paper_ids FROM sent_ledger").pluck().get()).toBeNull();
    // First announced before the kept window: counted as had, though its id is gone.
    expect(s.outbox.sentAmong(chat.id, [p.id, "2405.99999"])).toEqual(new Set([p.id]));

    // Replaced weeks later (version 2, listed again), beside a fresh paper of that day.
    s.papers.upsert({ ...p, version: 2 }, { date: "2024-06-03", type: "cross" });
    const fresh = paper("2406.00001", { title: "Video generation again" });
    s.papers.upsert(fresh, { date: "2024-06-03", type: "new" });
    const ids = s.digests
      .forChats([chat], "2024-06-03")
      .flatMap((d) => d.items.map((i) => i.paper.id));
    expect(ids).toEqual(["2406.00001"]);
  });

  it("a supergroup migration merges both ids' ledgers", () => {
    const s = stores();
    const old = s.chats.ensure({ platform: "telegram", chatId: "-1", type: "group", title: "g" });
    const fresh = s.chats.ensure({
      platform: "telegram",
      chatId: "-100",
      type: "group",
      title: "g",
    });
    s.outbox.recordSent(old.id, "2024-04-24", ["a", "b"]);
    s.outbox.recordSent(fresh.id, "2024-04-24", ["c"]);
    s.outbox.recordSent(fresh.id, "2024-04-25", ["d"]);
    s.chats.migrateChatId("telegram", "-1", "-100");
    expect(s.outbox.sentAmong(old.id, ["a", "b", "c", "d", "e"])).toEqual(
      new Set(["a", "b", "c", "d"]),
    );
  });
});

describe("migrating an old-layout file (one row per chat and paper)", () => {
  it("packs sent rows into the ledger and keeps pending and failed rows as they were", () => {
    const path = join(tempDir(), "sudi.db");
    const old = new Database(path);
    migrate(old, all.slice(0, LEDGER_MIGRATION - 1));
    old.exec(`
      INSERT INTO chats (id, platform, chat_id, type, title, timezone, digest_time, created_at, updated_at)
        VALUES (1, 'telegram', '-1', 'group', 'g', 'Asia/Shanghai', '09:00', 't', 't'),
               (2, 'discord', '42', 'group', 'd', 'Asia/Shanghai', '09:00', 't', 't');
      INSERT INTO outbox (chat, paper_id, announce_date, state, batch, message_id, attempts, created_at, sent_at)
        VALUES (1, '2404.00002', '2024-04-24', 'sent', 'b1', '11', 0, 't', 't'),
               (1, '2404.00001', '2024-04-24', 'sent', 'b1', '10', 0, 't', 't'),
               (1, '2404.00100', '2024-04-25', 'sent', 'b2', '12', 0, 't', 't'),
               (1, '2404.00101', '2024-04-25', 'pending', 'b2', NULL, 0, 't', NULL),
               (2, '2404.00001', '2024-04-24', 'failed', 'b3', NULL, 2, 't', NULL);
      INSERT INTO deliveries (chat, announce_date, state, batch, parts, parts_sent, created_at)
        VALUES (1, '2024-04-25', 'pending', 'b2', '[]', 1, 't');
    `);
    old.close();

    const db = track(openDatabase(path));
    expect(db.prepare("SELECT * FROM sent_ledger ORDER BY announce_date").all()).toEqual([
      { chat: 1, announce_date: "2024-04-24", paper_ids: "2404.00001,2404.00002", papers: 2 },
      { chat: 1, announce_date: "2024-04-25", paper_ids: "2404.00100", papers: 1 },
    ]);
    const outbox = new OutboxStore(db);
    expect(outbox.entries(1).map((e) => `${e.paperId}:${e.state}`)).toEqual([
      "2404.00001:sent",
      "2404.00002:sent",
      "2404.00100:sent",
      "2404.00101:pending",
    ]);
    expect(outbox.entries(2)).toEqual([
      {
        chat: 2,
        paperId: "2404.00001",
        announceDate: "2024-04-24",
        state: "failed",
        batch: "b3",
        attempts: 2,
      },
    ]);
    expect(outbox.sentAmong(1, ["2404.00001", "2404.00101", "2404.00200"])).toEqual(
      new Set(["2404.00001", "2404.00101"]),
    );
    // The resumed delivery confirms its last part: the pending paper joins its day's row.
    new DeliveryStore(db, outbox).partSent(1, "2024-04-25", 1, 2, ["2404.00101"], "13");
    expect(outbox.entries(1).filter((e) => e.state === "pending")).toEqual([]);
    expect(
      db
        .prepare("SELECT paper_ids FROM sent_ledger WHERE announce_date = '2024-04-25'")
        .pluck()
        .get(),
    ).toBe("2404.00100,2404.00101");
  });
});

describe("the per-minute delivery queries", () => {
  it("are served by indexes, so their cost does not grow with history", () => {
    const db = track(openDatabase(":memory:"));
    const outbox = new OutboxStore(db);
    new DeliveryStore(db, outbox); // prepares the statements against the schema
    // Both queries DeliveryStore runs every minute.
    expect(plan(db, "SELECT chat FROM deliveries WHERE announce_date = ?", "2024-04-24")).toMatch(
      /USING COVERING INDEX deliveries_day \(announce_date=\?\)/,
    );
    const unfinished = plan(
      db,
      `SELECT chat, announce_date FROM deliveries WHERE state = 'pending'
         AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY created_at, chat`,
      "2024-04-24T00:00:00Z",
    );
    expect(unfinished).toMatch(/USING INDEX deliveries_pending/);
    expect(unfinished).not.toMatch(/SCAN deliveries(?! USING)/);
  });

  it("a year of finished deliveries beyond the window is dropped by the weekly job", () => {
    const s = stores();
    const [a, b] = addChats(s.chats, 2);
    if (!a || !b) throw new Error("no chats");
    s.deliveries.recordEmpty(a.id, "2024-01-02");
    s.deliveries.beginDelivery(b.id, "2024-01-02", "stuck", []);
    s.deliveries.recordEmpty(a.id, "2024-04-24");
    const report = runMaintenance(s.db, { retentionDays: 30, now: new Date("2024-04-25Z") });
    expect(report.deliveriesDropped).toBe(1);
    expect(s.deliveries.delivery(a.id, "2024-01-02")).toBeUndefined();
    expect(s.deliveries.delivery(b.id, "2024-01-02")?.state).toBe("pending");
    expect(s.deliveries.deliveredChats("2024-04-24")).toEqual(new Set([a.id]));
  });

  it("keeps roll-up records (keyed by period) while their report could still be owed", () => {
    const s = stores();
    const [a] = addChats(s.chats, 1);
    if (!a) throw new Error("no chat");
    // April's 月报 goes out on May 1 and stays the newest monthly period until June 1: its
    // record must outlive a 30-day window, or the report would be sent again.
    for (const key of ["2023-W50", "2023-12", "2024-W17", "2024-04"]) {
      s.deliveries.beginDelivery(a.id, key, `report:${key}:${a.id}`, []);
      s.deliveries.finishDelivery(a.id, key, "sent");
    }
    s.deliveries.recordEmpty(a.id, "2024-04-30");
    const may = runMaintenance(s.db, { retentionDays: 30, now: new Date("2024-05-31Z") });
    expect(may.deliveriesDropped).toBe(1); // the daily record of 2024-04-30 only
    expect(s.outbox.entries(a.id)).toEqual([]); // a roll-up reserves no papers
    for (const key of ["2023-W50", "2023-12", "2024-W17", "2024-04"]) {
      expect(s.deliveries.delivery(a.id, key)?.state).toBe("sent");
    }
    // Once their year is over by a full year, they go.
    const later = runMaintenance(s.db, { retentionDays: 30, now: new Date("2025-02-01Z") });
    expect(later.deliveriesDropped).toBe(2);
    expect(s.deliveries.delivery(a.id, "2023-12")).toBeUndefined();
    expect(s.deliveries.delivery(a.id, "2024-04")?.state).toBe("sent");
  });
});

describe("vacuum and maintenance", () => {
  it("new files use incremental auto-vacuum, and the weekly job hands freed pages back", () => {
    const path = join(tempDir(), "sudi.db");
    const db = track(openDatabase(path));
    expect(autoVacuumOf(db)).toBe("incremental");
    const [chat] = addChats(stores(db).chats, 1);
    if (!chat) throw new Error("no chat");
    const outbox = new OutboxStore(db);
    for (let day = 1; day <= 28; day++) {
      const ids = Array.from(
        { length: 400 },
        (_, i) => `2402.${String(day * 1000 + i).padStart(5, "0")}`,
      );
      outbox.recordSent(chat.id, `2024-02-${String(day).padStart(2, "0")}`, ids);
    }
    const lines: string[] = [];
    const log = createLogger({ level: "info", json: true, write: (l) => lines.push(l) });
    const report = weeklyMaintenance(db, {
      retentionDays: 30,
      log,
      now: new Date("2024-06-01Z"),
    });
    expect(report?.daysCompacted).toBe(28);
    expect(report?.pagesFreed).toBeGreaterThan(0);
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      msg: "store maintenance",
      daysCompacted: 28,
    });
  });

  it("a maintenance failure is logged, not thrown", () => {
    const db = openDatabase(":memory:");
    db.close();
    const lines: string[] = [];
    const log = createLogger({ level: "info", json: true, write: (l) => lines.push(l) });
    expect(weeklyMaintenance(db, { retentionDays: 30, log })).toBeNull();
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ level: "error" });
  });

  it("`sudi db vacuum` converts a file created before incremental auto-vacuum, keeping its data", () => {
    const path = join(tempDir(), "sudi.db");
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    migrate(old);
    old.exec(`INSERT INTO chats (id, platform, chat_id, type, title, timezone, digest_time, created_at, updated_at)
      VALUES (1, 'telegram', '-1', 'group', 'g', 'Asia/Shanghai', '09:00', 't', 't')`);
    expect(autoVacuumOf(old)).toBe("none");
    expect(old.pragma("page_size", { simple: true })).toBe(4096);
    old.close();
    const db = track(openDatabase(path));
    vacuumInto(db);
    expect(autoVacuumOf(db)).toBe("incremental");
    expect(db.pragma("page_size", { simple: true })).toBe(16384);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT title FROM chats").pluck().get()).toBe("g");
  });

  it("stats lists every table with its rows and indexes from dbstat", () => {
    const s = stores();
    const [chat] = addChats(s.chats, 3);
    if (!chat) throw new Error("no chat");
    s.outbox.recordSent(chat.id, "2024-04-24", ["a"]);
    const stats = storeStats(s.db);
    const ledger = stats.tables.find((t) => t.table === "sent_ledger");
    expect(ledger).toMatchObject({ rows: 1, indexBytes: 0 });
    expect(ledger?.bytes).toBeGreaterThan(0);
    expect(stats.tables.find((t) => t.table === "chats")?.rows).toBe(3);
    expect(stats.tables.find((t) => t.table === "deliveries")?.indexBytes).toBeGreaterThan(0);
    expect(stats.autoVacuum).toBe("incremental");
  });
});

describe("the database of an older Docker image", () => {
  it("is found where it was, and opening stops with how to move it instead of starting empty", () => {
    const dir = tempDir();
    const legacy = join(dir, "app-data", "sudi.db");
    mkdirSync(join(dir, "app-data"));
    writeFileSync(legacy, "");
    const path = join(dir, "data", "sudi.db");
    const legacyPaths = { [path]: [legacy] };
    expect(legacyDatabase(path, legacyPaths)).toBe(legacy);
    expect(() => openDatabase(path, { legacyPaths })).toThrow(LegacyDatabaseError);
    expect(() => openDatabase(path, { legacyPaths })).toThrow(
      /mount the same volume at \/data instead of \/app\/data/,
    );
    expect(existsSync(path)).toBe(false);
    // Only the image's path has a legacy place; SUDI_DB_PATH naming the old place opens it.
    expect(legacyDatabase(join(dir, "other.db"), legacyPaths)).toBeNull();
    expect(legacyDatabase(legacy, { [legacy]: [legacy] })).toBeNull();
    expect(LEGACY_DB_PATHS).toEqual({ "/data/sudi.db": ["/app/data/sudi.db"] });
    // Once the file is where SUDI_DB_PATH says, it opens.
    track(openDatabase(path, { legacyPaths: {} })).close();
    expect(legacyDatabase(path, legacyPaths)).toBeNull();
  });
});

async function cli(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env,
    stdin: new PassThrough(),
    isTty: false,
  };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("sudi db and sudi backup", () => {
  it("db stats prints table sizes; backup makes a copy that opens with the same data", async () => {
    const dir = tempDir();
    const env = { SUDI_DB_PATH: join(dir, "sudi.db") };
    const db = openDatabase(env.SUDI_DB_PATH);
    const { chats, outbox } = stores(db);
    const [chat] = addChats(chats, 1);
    if (!chat) throw new Error("no chat");
    outbox.recordSent(chat.id, "2024-04-24", ["2404.00001"]);
    db.close();

    const stats = await cli(env, "db", "stats", "--format", "json");
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.out) as ReturnType<typeof storeStats>;
    expect(parsed.autoVacuum).toBe("incremental");
    expect(parsed.tables.find((t) => t.table === "sent_ledger")?.rows).toBe(1);
    const text = await cli(env, "db", "stats");
    expect(text.out).toMatch(/^sent_ledger\s+1\s/m);

    const copy = join(dir, "backup.db");
    expect((await cli(env, "backup", copy)).code).toBe(0);
    const restored = track(openDatabase(copy));
    expect(new OutboxStore(restored).sentAmong(chat.id, ["2404.00001"]).size).toBe(1);
    const again = await cli(env, "backup", copy);
    expect(again.code).toBe(2);
    expect(again.err).toContain("--force");
    expect((await cli(env, "backup", copy, "--force")).code).toBe(0);
    expect((await cli(env, "db", "shrink")).code).toBe(2);
    const missing = { SUDI_DB_PATH: join(dir, "missing.db") };
    expect(await cli(missing, "db", "stats")).toMatchObject({
      code: 1,
      err: expect.stringContaining("no database at"),
    });
    expect((await cli(missing, "backup", join(dir, "b2.db"))).code).toBe(1);
  });
});

it("packIds sorts and deduplicates", () => {
  expect(packIds(["b", "a", "b"])).toBe("a,b");
});
