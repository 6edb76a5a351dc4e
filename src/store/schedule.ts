/**
 * The scheduler's own progress (tables `schedule_days` and `schedule_state`): which announcement
 * days are summarised and so ready to deliver, which ingests gave up, and the daemon's heartbeat.
 * Kept in the database so a restart neither repeats work nor forgets a day.
 */
import type { Db } from "./db.ts";

export interface ReadyDay {
  announceDate: string;
  /** ISO instant the summarise step finished for this day */
  summarisedAt: string;
}

/** Key prefix of the health that long-lived components report (`sudi health` reads them). */
export const HEALTH_KEY_PREFIX = "health:";

export class ScheduleStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      markSummarised: db.prepare<[string, string, string | null]>(
        `INSERT INTO schedule_days (announce_date, summarised_at, note) VALUES (?, ?, ?)
         ON CONFLICT (announce_date) DO UPDATE SET summarised_at = excluded.summarised_at,
           note = excluded.note`,
      ),
      day: db.prepare<[string], { summarised_at: string | null; ingest_failed_at: string | null }>(
        `SELECT summarised_at, ingest_failed_at FROM schedule_days WHERE announce_date = ?`,
      ),
      latestReady: db.prepare<[], { announce_date: string; summarised_at: string }>(
        `SELECT announce_date, summarised_at FROM schedule_days WHERE summarised_at IS NOT NULL
         ORDER BY announce_date DESC LIMIT 1`,
      ),
      markIngestFailed: db.prepare<[string, string, string]>(
        `INSERT INTO schedule_days (announce_date, ingest_failed_at, note) VALUES (?, ?, ?)
         ON CONFLICT (announce_date) DO UPDATE SET ingest_failed_at = excluded.ingest_failed_at,
           note = excluded.note`,
      ),
      latestIngestRun: db
        .prepare<[], string | null>(`SELECT max(announce_date) FROM ingest_runs`)
        .pluck(),
      setState: db.prepare<[string, string, string]>(
        `INSERT INTO schedule_state (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      deleteState: db.prepare<[string, string]>(
        `DELETE FROM schedule_state WHERE key = ? AND value = ?`,
      ),
      getState: db.prepare<[string], { value: string; updated_at: string }>(
        `SELECT value, updated_at FROM schedule_state WHERE key = ?`,
      ),
      statesWithPrefix: db.prepare<
        [string, string],
        { key: string; value: string; updated_at: string }
      >(
        `SELECT key, value, updated_at FROM schedule_state WHERE substr(key, 1, length(?)) = ?
         ORDER BY key`,
      ),
      deleteStatesWithPrefix: db.prepare<[string, string]>(
        `DELETE FROM schedule_state WHERE substr(key, 1, length(?)) = ?`,
      ),
    };
  }

  /** The summarise step finished for `announceDate` (with or without fallbacks): deliverable. */
  markSummarised(announceDate: string, at: string, note: string | null = null): void {
    this.q.markSummarised.run(announceDate, at, note);
  }

  summarisedAt(announceDate: string): string | null {
    return this.q.day.get(announceDate)?.summarised_at ?? null;
  }

  /** The newest day that is ingested and summarised, i.e. what chats may receive. */
  latestReady(): ReadyDay | null {
    const row = this.q.latestReady.get();
    return row ? { announceDate: row.announce_date, summarisedAt: row.summarised_at } : null;
  }

  /** Ingest of `announceDate` gave up for now (logged once; later attempts may still succeed). */
  markIngestFailed(announceDate: string, at: string, note: string): void {
    this.q.markIngestFailed.run(announceDate, at, note);
  }

  ingestFailedAt(announceDate: string): string | null {
    return this.q.day.get(announceDate)?.ingest_failed_at ?? null;
  }

  /**
   * The newest announcement day with a finished ingest run (table ingest_runs): a day is
   * "ingested" only when its run was recorded, never because a /paper lookup stored one paper.
   */
  latestIngestRun(): string | null {
    return this.q.latestIngestRun.get() ?? null;
  }

  setState(key: string, value: string, at: string): void {
    this.q.setState.run(key, value, at);
  }

  /**
   * Takes or renews the lease `key` for `owner`: granted when nobody holds it, `owner` already
   * does, the holder's lease is older than `ttlMs`, or `isGone(holder)` says it died. Checked
   * and written in one transaction, so two processes never both get it.
   */
  acquireLease(
    key: string,
    owner: string,
    now: number,
    ttlMs: number,
    isGone: (holder: string) => boolean,
  ): boolean {
    return this.db
      .transaction(() => {
        const held = this.getState(key);
        const free =
          !held ||
          held.value === owner ||
          Date.parse(held.updatedAt) + ttlMs < now ||
          isGone(held.value);
        if (free) this.setState(key, owner, new Date(now).toISOString());
        return free;
      })
      .immediate();
  }

  /** Gives the lease back (only if `owner` holds it). */
  releaseLease(key: string, owner: string): void {
    this.q.deleteState.run(key, owner);
  }

  /** Every state whose key starts with `prefix` (components' health, say), by key. */
  statesWithPrefix(prefix: string): { key: string; value: string; updatedAt: string }[] {
    return this.q.statesWithPrefix
      .all(prefix, prefix)
      .map((r) => ({ key: r.key, value: r.value, updatedAt: r.updated_at }));
  }

  /** Forgets every state whose key starts with `prefix` (a new process reports afresh). */
  deleteStatesWithPrefix(prefix: string): void {
    this.q.deleteStatesWithPrefix.run(prefix, prefix);
  }

  getState(key: string): { value: string; updatedAt: string } | null {
    const row = this.q.getState.get(key);
    return row ? { value: row.value, updatedAt: row.updated_at } : null;
  }
}
