/**
 * Read-only questions the web archive asks about announcement days: which days exist, how
 * many papers each listed, and a day's neighbours for navigation.
 */
import type { Db } from "./db.ts";

export interface ArchiveDay {
  date: string;
  papers: number;
}

export class ArchiveStore {
  private readonly recentStmt;
  private readonly beforeStmt;
  private readonly afterStmt;

  constructor(db: Db) {
    this.recentStmt = db.prepare<[number], ArchiveDay>(
      `SELECT announce_date AS date, count(*) AS papers FROM announcements
       GROUP BY announce_date ORDER BY announce_date DESC LIMIT ?`,
    );
    this.beforeStmt = db
      .prepare<[string], string | null>(
        "SELECT max(announce_date) FROM announcements WHERE announce_date < ?",
      )
      .pluck();
    this.afterStmt = db
      .prepare<[string], string | null>(
        "SELECT min(announce_date) FROM announcements WHERE announce_date > ?",
      )
      .pluck();
  }

  /** The newest announcement days, newest first. */
  recentDays(limit: number): ArchiveDay[] {
    return this.recentStmt.all(limit);
  }

  /** The announcement day before and after `date`, when stored. */
  neighbours(date: string): { previous: string | null; next: string | null } {
    return { previous: this.beforeStmt.get(date) ?? null, next: this.afterStmt.get(date) ?? null };
  }
}
