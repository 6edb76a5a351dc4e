/**
 * Keeps the SQLite file small for years: the weekly job (ledger compaction, incremental vacuum,
 * PRAGMA optimize), what `sudi db stats` shows, and the one-time `sudi db vacuum` that moves a
 * file created before incremental auto-vacuum onto it. The scheduler runs the weekly job; this
 * file holds all of its logic.
 */

import type { Logger } from "../log.ts";
import type { Db } from "./db.ts";
import { PAGE_SIZE } from "./db.ts";
import { DeliveryStore } from "./deliveries.ts";
import { OutboxStore } from "./outbox.ts";

/** What one weekly run did. */
export interface MaintenanceReport {
  /** the first day whose (chat, paper) detail was kept */
  keptFrom: string;
  daysCompacted: number;
  failedDropped: number;
  deliveriesDropped: number;
  /** pages handed back to the file system by incremental_vacuum */
  pagesFreed: number;
  autoVacuum: AutoVacuum;
}

export type AutoVacuum = "none" | "full" | "incremental";

const AUTO_VACUUM: Record<number, AutoVacuum> = { 0: "none", 1: "full", 2: "incremental" };

export function autoVacuumOf(db: Db): AutoVacuum {
  return AUTO_VACUUM[db.pragma("auto_vacuum", { simple: true }) as number] ?? "none";
}

/** The YYYY-MM-DD `days` before `now` (UTC): announcement days before it are compacted. */
export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The weekly job: drops the ledger's (chat, paper) detail and the finished delivery records
 * older than `retentionDays`, hands free pages back to the disk (on files with incremental
 * auto-vacuum; others need `sudi db vacuum` once), and lets SQLite refresh its statistics.
 */
export function runMaintenance(
  db: Db,
  options: { retentionDays: number; now?: Date },
): MaintenanceReport {
  const keptFrom = retentionCutoff(options.now ?? new Date(), options.retentionDays);
  const outbox = new OutboxStore(db);
  const deliveries = new DeliveryStore(db, outbox);
  const { daysCompacted, failedDropped, deliveriesDropped } = db.transaction(() => ({
    ...outbox.compact(keptFrom),
    deliveriesDropped: deliveries.compact(keptFrom),
  }))();
  const autoVacuum = autoVacuumOf(db);
  let pagesFreed = 0;
  if (autoVacuum === "incremental") {
    const before = db.pragma("freelist_count", { simple: true }) as number;
    db.pragma("incremental_vacuum");
    pagesFreed = before - (db.pragma("freelist_count", { simple: true }) as number);
  }
  db.pragma("optimize");
  return { keptFrom, daysCompacted, failedDropped, deliveriesDropped, pagesFreed, autoVacuum };
}

/**
 * The scheduler's weekly job: runMaintenance, its result logged as one line. A failure (a lock
 * held past the busy timeout) is logged and left to next week: nothing depends on it soon.
 */
export function weeklyMaintenance(
  db: Db,
  options: { retentionDays: number; log: Logger; now?: Date },
): MaintenanceReport | null {
  const started = performance.now();
  try {
    const report = runMaintenance(db, options);
    options.log.info("store maintenance", {
      ...report,
      ms: Math.round(performance.now() - started),
    });
    return report;
  } catch (error) {
    options.log.error("store maintenance failed; next week tries again", {
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

/** One table with its indexes, as `sudi db stats` prints it. */
export interface TableSize {
  table: string;
  rows: number;
  /** bytes of the table itself */
  bytes: number;
  /** bytes of its indexes (for a WITHOUT ROWID table, the primary key is the table) */
  indexBytes: number;
}

export interface StoreStats {
  fileBytes: number;
  pageSize: number;
  freePages: number;
  autoVacuum: AutoVacuum;
  tables: TableSize[];
}

/**
 * Sizes per table from SQLite's dbstat, largest first. FTS5's shadow tables (papers_fts_data,
 * ...) are listed under their own names. Reads every page: seconds on a multi-GB file.
 */
export function storeStats(db: Db): StoreStats {
  const owners = new Map(
    db
      .prepare<[], { name: string; tbl_name: string }>(
        `SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')`,
      )
      .all()
      .map((r) => [r.name, r.tbl_name]),
  );
  const sizes = new Map<string, TableSize>();
  for (const r of db
    .prepare<[], { name: string; bytes: number }>(
      `SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name`,
    )
    .all()) {
    const table = owners.get(r.name) ?? r.name;
    const entry = sizes.get(table) ?? { table, rows: 0, bytes: 0, indexBytes: 0 };
    if (table === r.name) entry.bytes += r.bytes;
    else entry.indexBytes += r.bytes;
    sizes.set(table, entry);
  }
  const isTable = new Set(
    db.prepare<[], string>(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all(),
  );
  for (const entry of sizes.values()) {
    if (!isTable.has(entry.table)) continue;
    const quoted = `"${entry.table.replaceAll('"', '""')}"`;
    entry.rows = db.prepare<[], number>(`SELECT count(*) FROM ${quoted}`).pluck().get() ?? 0;
  }
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const pageCount = db.pragma("page_count", { simple: true }) as number;
  return {
    fileBytes: pageSize * pageCount,
    pageSize,
    freePages: db.pragma("freelist_count", { simple: true }) as number,
    autoVacuum: autoVacuumOf(db),
    tables: [...sizes.values()].sort((a, b) => b.bytes + b.indexBytes - (a.bytes + a.indexBytes)),
  };
}

/**
 * The one-time conversion of a file created before incremental auto-vacuum (and before 16 KB
 * pages): rewrites it with both. Needs the file to itself: stop sudi first. Returns the file's
 * size before and after, in bytes.
 */
export function vacuumInto(db: Db): { before: number; after: number } {
  const size = () =>
    (db.pragma("page_size", { simple: true }) as number) *
    (db.pragma("page_count", { simple: true }) as number);
  const before = size();
  const wal = db.pragma("journal_mode", { simple: true }) === "wal";
  // SQLite changes the page size only outside WAL mode.
  if (wal) db.pragma("journal_mode = DELETE");
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma("auto_vacuum = INCREMENTAL");
  db.exec("VACUUM");
  if (wal) db.pragma("journal_mode = WAL");
  return { before, after: size() };
}
