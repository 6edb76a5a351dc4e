/**
 * 👍 / 👎 votes (per chat and person) and ⭐ saved papers (per person), and the alerts that
 * wait for a person's line in a group digest. A second press of the same button takes the
 * vote back; 👍 and 👎 replace each other.
 */
import { type Db, nowIso } from "./db.ts";
import { unpackIds } from "./outbox.ts";

export interface VoteCounts {
  up: number;
  down: number;
  star: number;
}

export interface SavedPaper {
  platform: string;
  userId: string;
  paperId: string;
  chat: number;
  /** the newest version the person was told about */
  version: number;
  hadCode: boolean;
  createdAt: string;
}

export interface PendingAlert {
  chat: number;
  userId: string;
  paperId: string;
  kind: "version" | "code";
  version: number;
}

/** What training reads for a chat: +1 / -1 votes and stars (as +1), newest first. */
export interface Label {
  paperId: string;
  value: 1 | -1;
}

export class VoteStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      getVote: db
        .prepare<[number, string, string], number>(
          "SELECT value FROM votes WHERE chat = ? AND user_id = ? AND paper_id = ?",
        )
        .pluck(),
      putVote: db.prepare(
        `INSERT INTO votes (chat, user_id, paper_id, value, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chat, user_id, paper_id) DO UPDATE SET value = excluded.value,
           created_at = excluded.created_at`,
      ),
      dropVote: db.prepare("DELETE FROM votes WHERE chat = ? AND user_id = ? AND paper_id = ?"),
      getSaved: db
        .prepare<[string, string, string], number>(
          "SELECT 1 FROM saved WHERE platform = ? AND user_id = ? AND paper_id = ?",
        )
        .pluck(),
      putSaved: db.prepare(
        `INSERT INTO saved (platform, user_id, paper_id, chat, version, had_code, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      dropSaved: db.prepare(
        "DELETE FROM saved WHERE platform = ? AND user_id = ? AND paper_id = ?",
      ),
      voteCounts: db
        .prepare<[number, string], [string, number, number]>(
          `SELECT paper_id, sum(value > 0), sum(value < 0) FROM votes
           WHERE chat = ? AND paper_id IN (SELECT value FROM json_each(?)) GROUP BY paper_id`,
        )
        .raw(),
      starCounts: db
        .prepare<[number, string], [string, number]>(
          `SELECT paper_id, count(*) FROM saved
           WHERE chat = ? AND paper_id IN (SELECT value FROM json_each(?)) GROUP BY paper_id`,
        )
        .raw(),
      labels: db
        .prepare<[number, number], [string, number]>(
          `SELECT paper_id, value FROM (
             SELECT paper_id, sum(value) AS value, max(created_at) AS at FROM votes
             WHERE chat = ? GROUP BY paper_id
             UNION ALL
             SELECT paper_id, count(*) AS value, max(created_at) AS at FROM saved
             WHERE chat = ? GROUP BY paper_id)
           ORDER BY at DESC`,
        )
        .raw(),
      version: db
        .prepare<[number], number>("SELECT version FROM vote_versions WHERE chat = ?")
        .pluck(),
      bump: db.prepare(
        `INSERT INTO vote_versions (chat, version) VALUES (?, 1)
         ON CONFLICT (chat) DO UPDATE SET version = version + 1`,
      ),
      // What the chat got, by day: the packed sent ledger and the papers still in flight or
      // failed. Unpacked here rather than through json_each: a chat has a few dozen days.
      ledgerDays: db
        .prepare<[number], [string, string]>(
          `SELECT announce_date, paper_ids FROM sent_ledger
           WHERE chat = ? AND paper_ids IS NOT NULL`,
        )
        .raw(),
      inFlight: db
        .prepare<[number], [string, string]>(
          "SELECT announce_date, paper_id FROM outbox WHERE chat = ?",
        )
        .raw(),
      savedPage: db.prepare<[string, string, number, number], SavedRow>(
        `SELECT * FROM saved WHERE platform = ? AND user_id = ?
         ORDER BY created_at DESC, paper_id LIMIT ? OFFSET ?`,
      ),
      savedCount: db
        .prepare<[string, string], number>(
          "SELECT count(*) FROM saved WHERE platform = ? AND user_id = ?",
        )
        .pluck(),
      markSaved: db.prepare(
        `UPDATE saved SET version = ?, had_code = ?
         WHERE platform = ? AND user_id = ? AND paper_id = ?`,
      ),
      queueAlert: db.prepare(
        `INSERT INTO saved_alerts (chat, user_id, paper_id, kind, version, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      alertsOf: db.prepare<[number], AlertRow>(
        "SELECT * FROM saved_alerts WHERE chat = ? ORDER BY created_at, rowid",
      ),
      clearAlerts: db.prepare("DELETE FROM saved_alerts WHERE chat = ? AND user_id = ?"),
      changed: db.prepare<[], SavedRow & { new_version: number; code_url: string | null }>(
        `SELECT saved.*, papers.version AS new_version, papers.code_url FROM saved
         JOIN papers ON papers.id = saved.paper_id
         WHERE papers.version > saved.version
            OR (saved.had_code = 0 AND papers.code_url IS NOT NULL)`,
      ),
      privateChat: db
        .prepare<[string, string], number>(
          "SELECT id FROM chats WHERE platform = ? AND chat_id = ? AND type = 'private' AND active = 1",
        )
        .pluck(),
      top: db
        .prepare<[number, string, number, string, number], [string, number]>(
          `SELECT paper_id, sum(n) AS n FROM (
             SELECT paper_id, count(*) AS n FROM votes
             WHERE chat = ? AND value > 0 AND created_at >= ? GROUP BY paper_id
             UNION ALL
             SELECT paper_id, count(*) AS n FROM saved
             WHERE chat = ? AND created_at >= ? GROUP BY paper_id)
           GROUP BY paper_id ORDER BY n DESC, paper_id LIMIT ?`,
        )
        .raw(),
      bumpForgotten: db.prepare(
        `INSERT INTO vote_versions (chat, version)
         SELECT chat, 1 FROM (
           SELECT chat FROM votes
           WHERE user_id = @user AND chat IN (SELECT id FROM chats WHERE platform = @platform)
           UNION SELECT chat FROM saved WHERE platform = @platform AND user_id = @user)
         WHERE true
         ON CONFLICT (chat) DO UPDATE SET version = version + 1`,
      ),
      forgetVotes: db.prepare(
        `DELETE FROM votes WHERE user_id = ?
         AND chat IN (SELECT id FROM chats WHERE platform = ?)`,
      ),
      forgetSaved: db.prepare("DELETE FROM saved WHERE platform = ? AND user_id = ?"),
      forgetAlerts: db.prepare(
        `DELETE FROM saved_alerts WHERE user_id = ?
         AND chat IN (SELECT id FROM chats WHERE platform = ?)`,
      ),
    };
  }

  /**
   * Presses 👍 (+1) or 👎 (-1) for a person: sets it, replaces the other, or takes it back
   * when it was already set. Returns the person's vote afterwards (0: none).
   */
  toggleVote(chat: number, userId: string, paperId: string, value: 1 | -1): -1 | 0 | 1 {
    return this.db.transaction((): -1 | 0 | 1 => {
      const current = this.s.getVote.get(chat, userId, paperId);
      this.s.bump.run(chat);
      if (current === value) {
        this.s.dropVote.run(chat, userId, paperId);
        return 0;
      }
      this.s.putVote.run(chat, userId, paperId, value, nowIso());
      return value;
    })();
  }

  /** Presses ⭐ for a person: saves the paper, or takes it back. Returns whether it is saved. */
  toggleSaved(saved: Omit<SavedPaper, "createdAt">): boolean {
    return this.db.transaction((): boolean => {
      this.s.bump.run(saved.chat);
      if (this.s.getSaved.get(saved.platform, saved.userId, saved.paperId)) {
        this.s.dropSaved.run(saved.platform, saved.userId, saved.paperId);
        return false;
      }
      this.s.putSaved.run(
        saved.platform,
        saved.userId,
        saved.paperId,
        saved.chat,
        saved.version,
        saved.hadCode ? 1 : 0,
        nowIso(),
      );
      return true;
    })();
  }

  /** 👍, 👎 and ⭐ counts of papers in a chat. */
  counts(chat: number, paperIds: readonly string[]): Map<string, VoteCounts> {
    const json = JSON.stringify(paperIds);
    const out = new Map<string, VoteCounts>(
      paperIds.map((id) => [id, { up: 0, down: 0, star: 0 }]),
    );
    for (const [id, up, down] of this.s.voteCounts.all(chat, json)) {
      const c = out.get(id);
      if (c) Object.assign(c, { up, down });
    }
    for (const [id, star] of this.s.starCounts.all(chat, json)) {
      const c = out.get(id);
      if (c) c.star = star;
    }
    return out;
  }

  /**
   * The chat's labelled papers for training: a paper is positive when its votes and stars
   * sum above zero, negative below. Newest first, at most `limit`.
   */
  labels(chat: number, limit = 500): Label[] {
    const sums = new Map<string, number>();
    for (const [id, value] of this.s.labels.all(chat, chat)) {
      sums.set(id, (sums.get(id) ?? 0) + value);
    }
    const out: Label[] = [];
    for (const [paperId, sum] of sums) {
      if (sum !== 0) out.push({ paperId, value: sum > 0 ? 1 : -1 });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * A number that changes whenever the chat's votes or stars change (0 before the first): a
   * trained model remembers the one it was trained at.
   */
  version(chat: number): number {
    return this.s.version.get(chat) ?? 0;
  }

  /**
   * Papers sent in the same digests as the labelled ones, unlabelled: weak negatives. Newest
   * day first, at most `limit`.
   */
  sameDigests(chat: number, labelled: readonly string[], limit: number): string[] {
    const byDay = new Map<string, string[]>();
    for (const [day, packed] of this.s.ledgerDays.all(chat)) byDay.set(day, unpackIds(packed));
    for (const [day, id] of this.s.inFlight.all(chat)) {
      const ids = byDay.get(day);
      if (ids) ids.push(id);
      else byDay.set(day, [id]);
    }
    const wanted = new Set(labelled);
    const out = new Set<string>();
    const days = [...byDay.keys()].sort().reverse();
    for (const day of days) {
      const ids = byDay.get(day) ?? [];
      if (!ids.some((id) => wanted.has(id))) continue;
      for (const id of ids) {
        if (out.size >= limit) return [...out];
        if (!wanted.has(id)) out.add(id);
      }
    }
    return [...out];
  }

  savedPage(platform: string, userId: string, offset: number, limit: number): SavedPaper[] {
    return this.s.savedPage.all(platform, userId, limit, offset).map(toSaved);
  }

  savedCount(platform: string, userId: string): number {
    return this.s.savedCount.get(platform, userId) ?? 0;
  }

  /** Remembers what the person has now been told about (so an alert goes out once). */
  private markTold(saved: SavedPaper, version: number, hadCode: boolean): void {
    this.s.markSaved.run(version, hadCode ? 1 : 0, saved.platform, saved.userId, saved.paperId);
  }

  private queueAlert(alert: PendingAlert): void {
    this.s.queueAlert.run(
      alert.chat,
      alert.userId,
      alert.paperId,
      alert.kind,
      alert.version,
      nowIso(),
    );
  }

  /** Alerts waiting for a group's next digest, by person. */
  alertsFor(chat: number): PendingAlert[] {
    return this.s.alertsOf.all(chat).map((r) => ({
      chat: r.chat,
      userId: r.user_id,
      paperId: r.paper_id,
      kind: r.kind === "code" ? "code" : "version",
      version: r.version,
    }));
  }

  /**
   * Finds saved papers with a new version or a newly known code link and queues one alert
   * each, in the person's private chat with the bot when they have one, else in the group
   * where they saved it. What was told is remembered in the same transaction, so an alert is
   * queued exactly once however often this runs.
   */
  detectAlerts(): PendingAlert[] {
    return this.db.transaction(() => {
      const queued: PendingAlert[] = [];
      for (const row of this.s.changed.all()) {
        const saved = toSaved(row);
        const chat = this.s.privateChat.get(saved.platform, saved.userId) ?? saved.chat;
        const hasCode = row.code_url !== null;
        const kind = hasCode && !saved.hadCode ? "code" : "version";
        const alert: PendingAlert = {
          chat,
          userId: saved.userId,
          paperId: saved.paperId,
          kind,
          version: row.new_version,
        };
        this.queueAlert(alert);
        this.markTold(saved, row.new_version, hasCode);
        queued.push(alert);
      }
      return queued;
    })();
  }

  /** Drops a person's waiting alerts in a group once their line carried them. */
  clearAlerts(chat: number, userId: string): void {
    this.s.clearAlerts.run(chat, userId);
  }

  /** The chat's most liked papers (👍 and ⭐) since `sinceIso`. */
  top(chat: number, sinceIso: string, limit: number): { paperId: string; likes: number }[] {
    return this.s.top
      .all(chat, sinceIso, chat, sinceIso, limit)
      .map(([paperId, likes]) => ({ paperId, likes }));
  }

  /** Deletes a person's votes (in every chat of the platform), saved papers and alerts. */
  forget(platform: string, userId: string): { votes: number; saved: number } {
    return this.db.transaction(() => {
      this.s.bumpForgotten.run({ user: userId, platform });
      const votes = this.s.forgetVotes.run(userId, platform).changes;
      const saved = this.s.forgetSaved.run(platform, userId).changes;
      this.s.forgetAlerts.run(userId, platform);
      return { votes, saved };
    })();
  }
}

interface SavedRow {
  platform: string;
  user_id: string;
  paper_id: string;
  chat: number;
  version: number;
  had_code: number;
  created_at: string;
}

interface AlertRow {
  chat: number;
  user_id: string;
  paper_id: string;
  kind: string;
  version: number;
}

function toSaved(r: SavedRow): SavedPaper {
  return {
    platform: r.platform,
    userId: r.user_id,
    paperId: r.paper_id,
    chat: r.chat,
    version: r.version,
    hadCode: r.had_code === 1,
    createdAt: r.created_at,
  };
}
