/**
 * Keeps the write-ahead log small. With 16 KB pages SQLite's default auto-checkpoint (1000
 * pages) lets the WAL file reach 16 MB before it is reused, and it never shrinks: a fan-out of
 * many small ledger transactions filled a nearly full disk that way. The limits here keep it
 * near `maxBytes`, and `checkpointWal` (called by delivery every few hundred messages) folds
 * it into the database and truncates it.
 */
import type { Db } from "./db.ts";

/** Auto-checkpoints at about `maxBytes` of WAL and truncates the file back to it afterwards. */
export function boundWal(db: Db, maxBytes = 1024 * 1024): void {
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.max(16, Math.floor(maxBytes / pageSize))}`);
  db.pragma(`journal_size_limit = ${maxBytes}`);
}

/** Folds the WAL into the database and truncates it (a no-op for a database not in WAL mode). */
export function checkpointWal(db: Db): void {
  db.pragma("wal_checkpoint(TRUNCATE)");
}
