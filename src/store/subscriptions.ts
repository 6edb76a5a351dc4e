/**
 * Subscriptions: what each chat asked to receive. A subscription is a topic id, an arXiv
 * category or a lower-cased keyword phrase; (chat, kind, value) is unique, so adding twice is
 * a no-op the caller can report.
 */
import { type Db, nowIso } from "./db.ts";

/** `author` is a followed author (/follow): the value is the name and its cues, "Y. Li | cs.CV". */
export type SubscriptionKind = "topic" | "category" | "keyword" | "author";

export interface Subscription {
  chat: number;
  kind: SubscriptionKind;
  value: string;
  /** the platform user id of who added it, when known */
  addedBy: string | null;
  createdAt: string;
}

export type AddResult = { added: true } | { added: false; reason: "exists" | "full" };

interface SubscriptionRow {
  chat: number;
  kind: string;
  value: string;
  added_by: string | null;
  created_at: string;
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    chat: row.chat,
    kind: row.kind as SubscriptionKind,
    value: row.value,
    addedBy: row.added_by,
    createdAt: row.created_at,
  };
}

const COLUMNS = "chat, kind, value, added_by, created_at";

export class SubscriptionStore {
  private readonly listStmt;
  private readonly existsStmt;
  private readonly countStmt;
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly deleteAllStmt;
  private readonly forChatsStmt;
  private readonly allStmt;

  constructor(private readonly db: Db) {
    this.listStmt = db.prepare<[number], SubscriptionRow>(
      `SELECT ${COLUMNS} FROM subscriptions WHERE chat = ? ORDER BY id`,
    );
    this.existsStmt = db.prepare<[number, string, string], { one: number }>(
      "SELECT 1 AS one FROM subscriptions WHERE chat = ? AND kind = ? AND value = ?",
    );
    this.countStmt = db.prepare<[number], { n: number }>(
      "SELECT count(*) AS n FROM subscriptions WHERE chat = ?",
    );
    this.insertStmt = db.prepare(
      `INSERT INTO subscriptions (chat, kind, value, added_by, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat, kind, value) DO NOTHING`,
    );
    this.deleteStmt = db.prepare(
      "DELETE FROM subscriptions WHERE chat = ? AND kind = ? AND value = ?",
    );
    this.deleteAllStmt = db.prepare("DELETE FROM subscriptions WHERE chat = ?");
    // One statement for any number of chats: the ids travel as one JSON array. Bulk reads
    // come back as arrays (raw), which saves an object per row on 50,000 rows.
    this.forChatsStmt = db
      .prepare<[string], RawRow>(
        `SELECT ${COLUMNS} FROM subscriptions
         WHERE chat IN (SELECT value FROM json_each(?)) ORDER BY chat, id`,
      )
      .raw();
    this.allStmt = db
      .prepare<[], RawRow>(`SELECT ${COLUMNS} FROM subscriptions ORDER BY chat, id`)
      .raw();
  }

  /** The chat's subscriptions in the order they were added. */
  list(chat: number): Subscription[] {
    return this.listStmt.all(chat).map(toSubscription);
  }

  count(chat: number): number {
    return this.countStmt.get(chat)?.n ?? 0;
  }

  /**
   * Adds a subscription unless the chat has it already or already holds `max`. The check and
   * the insert run in one transaction, so two admins racing cannot pass the cap.
   */
  add(
    chat: number,
    kind: SubscriptionKind,
    value: string,
    addedBy: string | null,
    max = Number.POSITIVE_INFINITY,
  ): AddResult {
    return this.db.transaction((): AddResult => {
      if (this.existsStmt.get(chat, kind, value)) return { added: false, reason: "exists" };
      if (this.count(chat) >= max) return { added: false, reason: "full" };
      this.insertStmt.run(chat, kind, value, addedBy, nowIso());
      return { added: true };
    })();
  }

  /** Removes one subscription; false when the chat did not have it. */
  remove(chat: number, kind: SubscriptionKind, value: string): boolean {
    return this.deleteStmt.run(chat, kind, value).changes > 0;
  }

  /** Removes every subscription of the chat and returns what was removed. */
  removeAll(chat: number): Subscription[] {
    return this.db.transaction(() => {
      const removed = this.list(chat);
      this.deleteAllStmt.run(chat);
      return removed;
    })();
  }

  /** The subscriptions of many chats at once (chats without any are absent from the map). */
  forChats(chatIds: readonly number[]): Map<number, Subscription[]> {
    return group(this.forChatsStmt.all(JSON.stringify(chatIds)));
  }

  /** Every subscription, by chat. */
  all(): Map<number, Subscription[]> {
    return group(this.allStmt.all());
  }
}

/** A row of COLUMNS as an array, in that order. */
type RawRow = [number, string, string, string | null, string];

function group(rows: RawRow[]): Map<number, Subscription[]> {
  const byChat = new Map<number, Subscription[]>();
  for (const [chat, kind, value, addedBy, createdAt] of rows) {
    const sub: Subscription = { chat, kind: kind as SubscriptionKind, value, addedBy, createdAt };
    const list = byChat.get(chat);
    if (list) list.push(sub);
    else byChat.set(chat, [sub]);
  }
  return byChat;
}
