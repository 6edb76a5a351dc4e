/**
 * Opens sudi's SQLite file: WAL, a busy timeout, foreign keys, and the numbered migrations in
 * src/store/migrations (NNN-name.sql) applied in order, each in a transaction, with progress
 * recorded in PRAGMA user_version. Opening a file twice, or an up-to-date file, changes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { boundWal } from "./wal.ts";

export type Db = Database.Database;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with this build, in order. Numbers must be 1, 2, 3, ... */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => /^(\d{3})-([\w-]+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      version: Number(m[1]),
      name: m[2] ?? "",
      sql: readFileSync(join(dir, m[0]), "utf8"),
    }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration numbers must be consecutive: ${m.version}`);
  });
  return migrations;
}

/** Thrown when the file was written by a newer sudi than this one. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(`database schema ${fileVersion} is newer than this sudi (${knownVersion}); upgrade sudi`);
    this.name = "SchemaTooNewError";
  }
}

export function migrate(db: Db, migrations: Migration[] = loadMigrations()): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new SchemaTooNewError(current, latest);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

export interface OpenOptions {
  readonly?: boolean;
  /**
   * where older releases kept the file, by where it belongs now: when `path` does not exist
   * but its legacy file does, opening stops with LegacyDatabaseError instead of starting an
   * empty store
   */
  legacyPaths?: LegacyPaths;
}

export type LegacyPaths = Readonly<Record<string, readonly string[]>>;

/**
 * The Docker image kept the database in the /app/data volume until the image's own files moved
 * out of the way (data/topics.json lived there too, so an empty bind mount hid it): the
 * volume is /data now. Only the image's path has a legacy place, so no other install is
 * affected by a file that happens to sit at /app/data.
 */
export const LEGACY_DB_PATHS: LegacyPaths = { "/data/sudi.db": ["/app/data/sudi.db"] };

/** The database is missing where it is configured, but an older release left one elsewhere. */
export class LegacyDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly legacyPath: string,
  ) {
    super(
      `no database at ${path}, but one exists at ${legacyPath} (where older releases kept it). ` +
        `Not starting an empty store. Move it: with Docker, mount the same volume at /data ` +
        `instead of /app/data (docker run -v sudi-data:/data ...; the file keeps its name), or ` +
        `stop sudi and move ${legacyPath} (with its -wal file, if any) to ${path}; or set ` +
        `SUDI_DB_PATH=${legacyPath} to keep using it where it is`,
    );
    this.name = "LegacyDatabaseError";
  }
}

/** The legacy file to complain about when `path` does not exist, else null. */
export function legacyDatabase(
  path: string,
  legacyPaths: LegacyPaths = LEGACY_DB_PATHS,
): string | null {
  const candidates = legacyPaths[resolve(path)];
  if (!candidates || existsSync(path)) return null;
  return candidates.find((p) => resolve(p) !== resolve(path) && existsSync(p)) ?? null;
}

/**
 * The page size of a new file. Rows are large (a paper is ~2 KB, FTS5 writes ~4 KB index
 * blobs) and an ingest of 2,000 papers writes ~17 MB in one commit, then checkpoints it: 16 KB
 * pages mean a quarter of the pages to write, log and copy, which cuts that commit by about a
 * third (~30 ms), for ~10-15 µs more CPU per small commit (an outbox row). SQLite fixes the
 * page size when the first table is created, so existing files keep theirs.
 */
export const PAGE_SIZE = 16384;

/**
 * Opens (creating when needed) and migrates the database at `path`; ":memory:" for tests. A new
 * file gets 16 KB pages and incremental auto-vacuum, so the weekly maintenance
 * (src/store/maintenance.ts) can hand freed pages back to the disk without a full VACUUM; an
 * older file keeps its settings until `sudi db vacuum`.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const legacy = legacyDatabase(path, options.legacyPaths);
  if (legacy) throw new LegacyDatabaseError(path, legacy);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false });
  db.pragma("busy_timeout = 5000");
  if (!options.readonly && db.pragma("page_count", { simple: true }) === 0) {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma("auto_vacuum = INCREMENTAL");
  }
  if (path !== ":memory:") {
    db.pragma("journal_mode = WAL");
    // The WAL stays near 1 MB for every process (src/store/wal.ts), not only for a delivering one.
    boundWal(db);
  }
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  if (!options.readonly) migrate(db);
  return db;
}

/** Current time as ISO text, the one format every table stores. */
export function nowIso(): string {
  return new Date().toISOString();
}
