/**
 * Opens sudi's SQLite file: WAL, a busy timeout, foreign keys, and the numbered migrations in
 * src/store/migrations (NNN-name.sql) applied in order, each in a transaction, with progress
 * recorded in PRAGMA user_version. Opening a file twice, or an up-to-date file, changes nothing.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

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
}

/**
 * The page size of a new file. Rows are large (a paper is ~2 KB, FTS5 writes ~4 KB index
 * blobs) and an ingest of 2,000 papers writes ~17 MB in one commit, then checkpoints it: 16 KB
 * pages mean a quarter of the pages to write, log and copy, which cuts that commit by about a
 * third (~30 ms), for ~10-15 µs more CPU per small commit (an outbox row). SQLite fixes the
 * page size when the first table is created, so existing files keep theirs.
 */
export const PAGE_SIZE = 16384;

/** Opens (creating when needed) and migrates the database at `path`; ":memory:" for tests. */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false });
  db.pragma("busy_timeout = 5000");
  if (!options.readonly && db.pragma("page_count", { simple: true }) === 0) {
    db.pragma(`page_size = ${PAGE_SIZE}`);
  }
  if (path !== ":memory:") db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  if (!options.readonly) migrate(db);
  return db;
}

/** Current time as ISO text, the one format every table stores. */
export function nowIso(): string {
  return new Date().toISOString();
}
