/**
 * How big the SQLite file gets in a year, and what the scheduler's per-minute queries cost.
 *
 * The year (issue 11): 10,000 chats x 30 papers a day x 250 announcement days, plus 150,000
 * papers with cards. Goal: under 2.5 GB in all, the sent ledger under 300 MB.
 *
 * How it simulates: at 1/SCALE of the chats and papers, the whole year runs through the real
 * store code, day by day: each chat's day is recorded with OutboxStore.recordSent and a
 * delivery record (DeliveryStore: begun with two parts, both confirmed), and the weekly
 * maintenance job (runMaintenance) runs every 5 announcement days with the simulated date, as
 * the scheduler would. The papers go in through PaperStore.upsert and CardStore.put (with the
 * FTS index) from the real-layout fixture entries and the sample cards. Every table's size then
 * comes from dbstat and is multiplied by SCALE: each row depends on one chat or one paper, so
 * rows and pages grow linearly with them (the printed bytes per row show the layout).
 *
 * Per-minute queries (DeliveryStore.deliveredChats for the day and unfinishedKeys) are timed at
 * full scale: 20,000 delivery records (two days of 10,000 chats), then a year's 2,500,000 (as if
 * maintenance never ran). Before the deliveries_day index, the first took 3 ms and the second
 * 333 ms (issue 11); now both read only the day's rows. The fastest of 25 runs is the figure
 * (the median is printed too): on a shared machine the others mostly measure the neighbours.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseApiResponse } from "../src/arxiv/parse.ts";
import type { Card } from "../src/store/card.ts";
import { CardStore } from "../src/store/cards.ts";
import { ChatStore } from "../src/store/chats.ts";
import { type Db, openDatabase } from "../src/store/db.ts";
import { DeliveryStore } from "../src/store/deliveries.ts";
import { runMaintenance, storeStats } from "../src/store/maintenance.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";

const CHATS = 10_000;
const PAPERS_PER_DAY = 30;
const DAYS = 250;
const PAPERS = 150_000;
const SCALE = 20;
const RETENTION_DAYS = 30;
const GOAL_TOTAL = 2.5e9;
const GOAL_LEDGER = 300e6;

const here = dirname(fileURLToPath(import.meta.url));
const MB = 1e6;
const mb = (b: number) => `${(b / MB).toFixed(1)} MB`;

/** The 250 announcement days of a year: Monday to Friday from 2025-01-06, no holidays. */
function announcementDays(): string[] {
  const days: string[] = [];
  for (let t = Date.parse("2025-01-06T00:00:00Z"); days.length < DAYS; t += 86_400_000) {
    const dow = new Date(t).getUTCDay();
    if (dow >= 1 && dow <= 5) days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

function fixturePapers(): Paper[] {
  return ["api-id_list.xml", "api-search-cs.CL.xml", "api-2024-04-25.xml"].flatMap(
    (f) => parseApiResponse(readFileSync(join(here, "../test/fixtures/arxiv", f), "utf8")).papers,
  );
}

function sampleCards(): Omit<Card, "paper_id" | "version" | "title_en" | "links">[] {
  const sample = JSON.parse(readFileSync(join(here, "../data/sample/cards.json"), "utf8")) as {
    cards: Record<string, Record<string, unknown>>;
  };
  return Object.values(sample.cards).map((c) => ({
    ...(c as Pick<Card, "title_zh" | "tldr" | "motivation" | "method" | "results">),
    topics: c.topics as string[],
    keywords: c.keywords as string[],
    score: c.score as number,
    score_reason: c.score_reason as string,
    authors: "Enze Xie, Lewei Yao, Han Shi 等",
    affiliations: [],
    venue: null,
    fallback: false,
    prompt_version: "card-v1.txt",
    model: "deepseek-chat",
  }));
}

/** A paper id of day `d`, number `n`: ids grow through the year as arXiv's do. */
const paperId = (d: number, n: number) =>
  `25${String(1 + Math.floor(d / 21)).padStart(2, "0")}.${String(10000 + (d % 21) * 700 + n).padStart(5, "0")}`;

function storePapers(db: Db, days: string[], count: number): void {
  const papers = new PaperStore(db);
  const cards = new CardStore(db);
  const bases = fixturePapers();
  const samples = sampleCards();
  const perDay = Math.ceil(count / days.length);
  for (let d = 0; d < days.length; d++) {
    db.transaction(() => {
      for (let n = 0; n < perDay && d * perDay + n < count; n++) {
        const base = bases[(d * perDay + n) % bases.length] as Paper;
        const id = paperId(d, n);
        const p: Paper = { ...base, id, version: 1 };
        papers.upsert(p, { date: days[d] as string, type: "new" });
        const card = samples[(d * perDay + n) % samples.length];
        if (!card) continue;
        cards.put({
          ...card,
          paper_id: id,
          version: 1,
          title_en: p.title,
          links: {
            abs: `https://arxiv.org/abs/${id}`,
            pdf: `https://arxiv.org/pdf/${id}`,
            code: null,
          },
        });
      }
    })();
  }
}

function simulateDeliveries(db: Db, days: string[], chats: number): number {
  const chatStore = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const outbox = new OutboxStore(db);
  const deliveries = new DeliveryStore(db, outbox);
  const ids = db.transaction(() =>
    Array.from(
      { length: chats },
      (_, i) =>
        chatStore.ensure({
          platform: "telegram",
          chatId: String(-1e12 - i),
          type: "group",
          title: `群 ${i}`,
        }).id,
    ),
  )();
  const parts = [{ blocks: [] }, { blocks: [] }];
  let maintenanceRuns = 0;
  days.forEach((day, d) => {
    // Each chat gets 30 of the day's papers (a different slice per chat, as subscriptions differ).
    db.transaction(() => {
      for (const [i, chat] of ids.entries()) {
        const sent = Array.from({ length: PAPERS_PER_DAY }, (_, k) =>
          paperId(d, (i * 7 + k * 13) % 600),
        );
        const batch = `digest:${day}:${chat}`;
        deliveries.beginDelivery(chat, day, batch, parts, `${day}T01:00:00.000Z`);
        outbox.recordSent(chat, day, sent);
        deliveries.partSent(chat, day, 0, 2, [], String(1_000_000 + d * 20_000 + i * 2));
        deliveries.partSent(chat, day, 1, 2, [], String(1_000_001 + d * 20_000 + i * 2));
      }
    })();
    // The weekly job, on the Saturday after every fifth announcement day.
    if (d % 5 === 4) {
      runMaintenance(db, {
        retentionDays: RETENTION_DAYS,
        now: new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000),
      });
      maintenanceRuns++;
    }
  });
  return maintenanceRuns;
}

/** Fastest and median of 25 runs of each per-minute query, in ms. */
function timeQueries(db: Db, day: string) {
  const deliveries = new DeliveryStore(db, new OutboxStore(db));
  const measure = (f: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const t = performance.now();
      f();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { min: times[0] as number, median: times[12] as number };
  };
  return {
    delivered: measure(() => deliveries.deliveredChats(day)),
    unfinished: measure(() => deliveries.unfinishedKeys(`${day}T02:00:00.000Z`)),
  };
}

function fillDeliveries(db: Db, days: string[], chats: number): void {
  const chatStore = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const deliveries = new DeliveryStore(db, new OutboxStore(db));
  const ids = db.transaction(() =>
    Array.from(
      { length: chats },
      (_, i) =>
        chatStore.ensure({
          platform: "telegram",
          chatId: String(-1e12 - i),
          type: "group",
          title: "g",
        }).id,
    ),
  )();
  for (const day of days) {
    db.transaction(() => {
      for (const chat of ids) deliveries.recordEmpty(chat, day, `${day}T01:00:00.000Z`);
    })();
  }
}

// In memory-backed /dev/shm when there is one: the figures are sizes, and a slow disk's
// checkpoints would only stretch the run.
const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sudi-store-size-"));
try {
  const days = announcementDays();
  const path = join(dir, "year.db");
  const db = openDatabase(path);
  let t = performance.now();
  storePapers(db, days, PAPERS / SCALE);
  const papersS = (performance.now() - t) / 1000;
  t = performance.now();
  const runs = simulateDeliveries(db, days, CHATS / SCALE);
  const deliveriesS = (performance.now() - t) / 1000;
  db.pragma("wal_checkpoint(TRUNCATE)");
  const stats = storeStats(db);
  db.close();

  console.log(
    `simulated at 1/${SCALE}: ${CHATS / SCALE} chats x ${PAPERS_PER_DAY} papers x ${DAYS} days ` +
      `(${runs} weekly maintenance runs, retention ${RETENTION_DAYS} days) in ${deliveriesS.toFixed(1)} s; ` +
      `${PAPERS / SCALE} papers with cards in ${papersS.toFixed(1)} s; sizes from dbstat x ${SCALE}`,
  );
  console.log(
    `file on disk at 1/${SCALE}: ${mb(statSync(path).size)} (dbstat ${mb(stats.fileBytes)})`,
  );
  console.log("");
  console.log(
    `${"table".padEnd(26)} ${"rows".padStart(12)} ${"bytes/row".padStart(10)} ${"size (year)".padStart(12)}`,
  );
  let total = 0;
  for (const tbl of stats.tables) {
    const bytes = (tbl.bytes + tbl.indexBytes) * SCALE;
    total += bytes;
    if (bytes < 1 * MB) continue;
    const rows = tbl.rows * SCALE;
    const perRow = rows ? (tbl.bytes + tbl.indexBytes) / tbl.rows : 0;
    console.log(
      `${tbl.table.padEnd(26)} ${String(rows).padStart(12)} ${perRow.toFixed(1).padStart(10)} ${mb(bytes).padStart(12)}`,
    );
  }
  const ledgerTables = ["sent_ledger", "outbox"];
  const ledger = stats.tables
    .filter((x) => ledgerTables.includes(x.table))
    .reduce((s, x) => s + (x.bytes + x.indexBytes) * SCALE, 0);
  console.log("");
  console.log(
    `a year: ${mb(total)} in all (goal < ${mb(GOAL_TOTAL)}: ${total < GOAL_TOTAL ? "met" : "MISSED"}), ` +
      `sent ledger ${mb(ledger)} (goal < ${mb(GOAL_LEDGER)}: ${ledger < GOAL_LEDGER ? "met" : "MISSED"})`,
  );

  const qpath = join(dir, "queries.db");
  const qdb = openDatabase(qpath);
  fillDeliveries(qdb, days.slice(0, 2), CHATS);
  qdb.pragma("wal_checkpoint(TRUNCATE)");
  const small = timeQueries(qdb, days[1] as string);
  qdb.close();
  const fresh = openDatabase(join(dir, "queries-year.db"));
  fillDeliveries(fresh, days, CHATS);
  fresh.pragma("wal_checkpoint(TRUNCATE)");
  const year = timeQueries(fresh, days.at(-1) as string);
  console.log("");
  type Q = ReturnType<typeof timeQueries>;
  const ms = (x: { min: number; median: number }) =>
    `${x.min.toFixed(2)} ms (median ${x.median.toFixed(2)})`;
  const q = (x: Q) => `deliveredChats ${ms(x.delivered)}, unfinishedKeys ${ms(x.unfinished)}`;
  console.log(
    `per-minute queries, fastest of 25 (the day has ${CHATS} chats; before the index a year took 333 ms):`,
  );
  console.log(`  20,000 delivery records:        ${q(small)}`);
  console.log(`  ${(CHATS * DAYS).toLocaleString("en")} (a year, no maintenance): ${q(year)}`);
  fresh.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
