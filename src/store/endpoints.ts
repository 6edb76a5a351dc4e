/**
 * Endpoints of chats without incoming commands (Feishu webhooks, email addresses), managed from
 * the command line: the platform's settings (JSON, possibly credentials) and why the platform
 * deactivated the chat, if it did. Settings are returned as parsed JSON; the adapter that owns
 * them validates their shape.
 */
import { type Db, nowIso } from "./db.ts";

export interface EndpointRow {
  chat: number;
  platform: string;
  chatId: string;
  title: string | null;
  active: boolean;
  paused: boolean;
  timezone: string;
  digestTime: string;
  settings: unknown;
  inactiveReason: string | null;
}

interface Row {
  chat: number;
  platform: string;
  chat_id: string;
  title: string | null;
  active: number;
  paused: number;
  timezone: string;
  digest_time: string;
  settings: string;
  inactive_reason: string | null;
}

const SELECT = `SELECT e.chat, c.platform, c.chat_id, c.title, c.active, c.paused, c.timezone,
  c.digest_time, e.settings, e.inactive_reason
  FROM chat_endpoints AS e JOIN chats AS c ON c.id = e.chat`;

function toRow(r: Row): EndpointRow {
  return {
    chat: r.chat,
    platform: r.platform,
    chatId: r.chat_id,
    title: r.title,
    active: r.active === 1,
    paused: r.paused === 1,
    timezone: r.timezone,
    digestTime: r.digest_time,
    settings: JSON.parse(r.settings) as unknown,
    inactiveReason: r.inactive_reason,
  };
}

export class EndpointStore {
  private readonly upsertStmt;
  private readonly byAddressStmt;
  private readonly listStmt;
  private readonly reasonStmt;
  private readonly deactivateStmt;
  private readonly removeStmt;
  private readonly byTokenStmt;
  private readonly activePlatformsStmt;
  private readonly activateStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare<[number, string, string, string]>(
      `INSERT INTO chat_endpoints (chat, settings, inactive_reason, created_at, updated_at)
       VALUES (?, ?, NULL, ?, ?)
       ON CONFLICT (chat) DO UPDATE SET settings = excluded.settings, inactive_reason = NULL,
         updated_at = excluded.updated_at`,
    );
    this.byAddressStmt = db.prepare<[string, string], Row>(
      `${SELECT} WHERE c.platform = ? AND c.chat_id = ?`,
    );
    this.listStmt = db.prepare<[], Row>(`${SELECT} ORDER BY c.platform, c.id`);
    this.reasonStmt = db.prepare<[string | null, string, number]>(
      "UPDATE chat_endpoints SET inactive_reason = ?, updated_at = ? WHERE chat = ?",
    );
    this.deactivateStmt = db.prepare<[string, number]>(
      "UPDATE chats SET active = 0, updated_at = ? WHERE id = ?",
    );
    this.removeStmt = db.prepare<[number]>("DELETE FROM chats WHERE id = ?");
    this.activePlatformsStmt = db
      .prepare<[], string>(
        `SELECT DISTINCT c.platform FROM chat_endpoints AS e JOIN chats AS c ON c.id = e.chat
         WHERE c.active = 1`,
      )
      .pluck();
    this.byTokenStmt = db.prepare<[string, string, string], Row>(
      `${SELECT} WHERE c.platform = ? AND json_extract(e.settings, ?) = ?`,
    );
    this.activateStmt = db.prepare<[string, number]>(
      "UPDATE chats SET active = 1, updated_at = ? WHERE id = ?",
    );
  }

  /** Stores (or replaces) a chat's settings; a replaced endpoint starts with no reason. */
  set(chat: number, settings: unknown): void {
    const now = nowIso();
    this.upsertStmt.run(chat, JSON.stringify(settings), now, now);
  }

  get(platform: string, chatId: string): EndpointRow | null {
    const row = this.byAddressStmt.get(platform, chatId);
    return row ? toRow(row) : null;
  }

  /** Platforms that have at least one active chat here. */
  activePlatforms(): string[] {
    return this.activePlatformsStmt.all();
  }

  list(): EndpointRow[] {
    return this.listStmt.all().map(toRow);
  }

  /** Deactivates the chat and keeps why, for `sudi chats list`. */
  deactivate(chat: number, reason: string): void {
    this.db.transaction(() => {
      const now = nowIso();
      this.reasonStmt.run(reason, now, chat);
      this.deactivateStmt.run(now, chat);
    })();
  }

  /**
   * The endpoint whose settings hold `token` under `key` (an email's confirm or manage token).
   * Tokens are long random strings; anything shorter is not looked up.
   */
  byToken(
    platform: string,
    key: "confirmToken" | "manageToken",
    token: string,
  ): EndpointRow | null {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const row = this.byTokenStmt.get(platform, `$.${key}`, token);
    return row ? toRow(row) : null;
  }

  /** Reactivates a chat the platform had deactivated (a new webhook, a confirmed address). */
  reactivate(chat: number): void {
    this.db.transaction(() => {
      const now = nowIso();
      this.reasonStmt.run(null, now, chat);
      this.activateStmt.run(now, chat);
    })();
  }

  /** Removes the chat with its subscriptions, ledger and endpoint. */
  remove(chat: number): void {
    this.removeStmt.run(chat);
  }
}
