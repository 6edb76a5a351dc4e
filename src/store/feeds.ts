/**
 * Feed tokens: the unguessable part of a chat's Atom feed URL (/feed/chat/<token>.xml). A
 * token is 256 random bits; it is created on the first /feed, shown again on later ones, and
 * replaced by /feed reset, after which the old URL finds nothing.
 */
import { randomBytes } from "node:crypto";
import { type Db, nowIso } from "./db.ts";

/** base64url of 32 random bytes: 43 characters, 256 bits. */
export function newFeedToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What a feed token looks like; anything else is refused before a query. */
export const FEED_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class FeedTokenStore {
  private readonly byChat;
  private readonly byToken;
  private readonly upsert;
  private readonly withToken;

  constructor(private readonly db: Db) {
    this.byChat = db
      .prepare<[number], string>("SELECT token FROM feed_tokens WHERE chat = ?")
      .pluck();
    this.byToken = db
      .prepare<[string], number>("SELECT chat FROM feed_tokens WHERE token = ?")
      .pluck();
    this.withToken = db
      .prepare<[string], number>(
        "SELECT chat FROM feed_tokens WHERE chat IN (SELECT value FROM json_each(?))",
      )
      .pluck();
    this.upsert = db.prepare<[number, string, string]>(
      `INSERT INTO feed_tokens (chat, token, created_at) VALUES (?, ?, ?)
       ON CONFLICT (chat) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
    );
  }

  /** The chat's token, created when it has none. */
  ensure(chat: number): string {
    const existing = this.byChat.get(chat);
    if (existing) return existing;
    return this.reset(chat);
  }

  /**
   * Makes sure each of these chats has a token, creating the missing ones in one transaction
   * (a roll-up run links thousands of chats to their own report pages at once; one commit
   * each would cost seconds).
   */
  ensureMany(chats: readonly number[]): void {
    const have = new Set(this.withToken.all(JSON.stringify(chats)));
    const missing = chats.filter((c) => !have.has(c));
    if (missing.length === 0) return;
    const at = nowIso();
    this.db.transaction(() => {
      for (const chat of missing) this.upsert.run(chat, newFeedToken(), at);
    })();
  }

  /** A new token for the chat; the old one stops working at once. */
  reset(chat: number): string {
    const token = newFeedToken();
    this.upsert.run(chat, token, nowIso());
    return token;
  }

  /** The chat a token belongs to, or null (malformed tokens never reach the query). */
  chatOf(token: string): number | null {
    if (!FEED_TOKEN.test(token)) return null;
    return this.byToken.get(token) ?? null;
  }
}
