/**
 * Members of a group who subscribe for themselves there (`/subscribe me 文生视频`), and
 * whether the group digest may mention them. A member is only known here once they used a
 * `me` command; the group's own subscriptions stay in SubscriptionStore.
 */
import { type Db, nowIso } from "./db.ts";
import type { SubscriptionKind } from "./subscriptions.ts";

export interface Member {
  chat: number;
  userId: string;
  displayName: string | null;
  mention: boolean;
}

export interface MemberSubscription {
  chat: number;
  userId: string;
  kind: SubscriptionKind;
  value: string;
}

export class MemberStore {
  private readonly upsertStmt;
  private readonly mentionStmt;
  private readonly getStmt;
  private readonly addStmt;
  private readonly removeStmt;
  private readonly listStmt;
  private readonly countStmt;
  private readonly forChatStmt;
  private readonly membersStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO members (chat, user_id, display_name) VALUES (?, ?, ?)
       ON CONFLICT (chat, user_id) DO UPDATE SET
         display_name = coalesce(excluded.display_name, members.display_name)`,
    );
    this.mentionStmt = db.prepare(
      `INSERT INTO members (chat, user_id, mention) VALUES (?, ?, ?)
       ON CONFLICT (chat, user_id) DO UPDATE SET mention = excluded.mention`,
    );
    this.getStmt = db.prepare<[number, string], MemberRow>(
      "SELECT chat, user_id, display_name, mention FROM members WHERE chat = ? AND user_id = ?",
    );
    this.addStmt = db.prepare(
      `INSERT INTO member_subscriptions (chat, user_id, kind, value, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.removeStmt = db.prepare(
      "DELETE FROM member_subscriptions WHERE chat = ? AND user_id = ? AND kind = ? AND value = ?",
    );
    this.listStmt = db.prepare<[number, string], { kind: string; value: string }>(
      `SELECT kind, value FROM member_subscriptions WHERE chat = ? AND user_id = ?
       ORDER BY created_at, rowid`,
    );
    this.countStmt = db
      .prepare<[number, string], number>(
        "SELECT count(*) FROM member_subscriptions WHERE chat = ? AND user_id = ?",
      )
      .pluck();
    this.forChatStmt = db
      .prepare<[number], [string, string, string]>(
        `SELECT user_id, kind, value FROM member_subscriptions WHERE chat = ?
         ORDER BY user_id, created_at, rowid`,
      )
      .raw();
    this.membersStmt = db.prepare<[number], MemberRow>(
      "SELECT chat, user_id, display_name, mention FROM members WHERE chat = ?",
    );
  }

  /** Records (or refreshes) a member's display name. */
  touch(chat: number, userId: string, displayName: string | null): void {
    this.upsertStmt.run(chat, userId, displayName);
  }

  setMention(chat: number, userId: string, mention: boolean): void {
    this.mentionStmt.run(chat, userId, mention ? 1 : 0);
  }

  get(chat: number, userId: string): Member | null {
    const row = this.getStmt.get(chat, userId);
    return row ? toMember(row) : null;
  }

  members(chat: number): Member[] {
    return this.membersStmt.all(chat).map(toMember);
  }

  /** Adds one; false when the member had it, or already holds `max`. */
  add(chat: number, userId: string, kind: SubscriptionKind, value: string, max: number): boolean {
    return this.db.transaction(() => {
      if ((this.countStmt.get(chat, userId) ?? 0) >= max) return false;
      return this.addStmt.run(chat, userId, kind, value, nowIso()).changes > 0;
    })();
  }

  remove(chat: number, userId: string, kind: SubscriptionKind, value: string): boolean {
    return this.removeStmt.run(chat, userId, kind, value).changes > 0;
  }

  list(chat: number, userId: string): MemberSubscription[] {
    return this.listStmt
      .all(chat, userId)
      .map((r) => ({ chat, userId, kind: r.kind as SubscriptionKind, value: r.value }));
  }

  /** Every member's subscriptions in a group, by user id. */
  forChat(chat: number): Map<string, MemberSubscription[]> {
    const out = new Map<string, MemberSubscription[]>();
    for (const [userId, kind, value] of this.forChatStmt.all(chat)) {
      const sub = { chat, userId, kind: kind as SubscriptionKind, value };
      const list = out.get(userId);
      if (list) list.push(sub);
      else out.set(userId, [sub]);
    }
    return out;
  }
}

interface MemberRow {
  chat: number;
  user_id: string;
  display_name: string | null;
  mention: number;
}

function toMember(row: MemberRow): Member {
  return {
    chat: row.chat,
    userId: row.user_id,
    displayName: row.display_name,
    mention: row.mention === 1,
  };
}
