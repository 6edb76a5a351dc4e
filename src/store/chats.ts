/**
 * Chats: every place sudi talks to (a Telegram group, a Discord channel, a private chat, the
 * console), with its delivery settings. Rows are keyed by a surrogate id so subscriptions,
 * settings and the outbox survive a platform changing the chat's id (Telegram's group →
 * supergroup migration).
 */
import type { ChatAddress, ChatType, Platform } from "../core/address.ts";
import { type Db, nowIso } from "./db.ts";

export type Density = "full" | "brief";

export interface Chat {
  id: number;
  platform: Platform;
  chatId: string;
  type: ChatType;
  title: string | null;
  /** IANA time zone, e.g. Asia/Shanghai */
  timezone: string;
  /** HH:MM in `timezone` */
  digestTime: string;
  paused: boolean;
  digestLimit: number;
  density: Density;
  /** false once the bot was removed or the platform said the chat is gone */
  active: boolean;
}

/** What a command may change on a chat. */
export type ChatPatch = Partial<
  Pick<Chat, "type" | "title" | "timezone" | "digestTime" | "paused" | "digestLimit" | "density">
>;

export interface ChatDefaults {
  timezone: string;
  digestTime: string;
}

export const DEFAULT_DIGEST_LIMIT = 10;

interface ChatRow {
  id: number;
  platform: string;
  chat_id: string;
  type: string;
  title: string | null;
  timezone: string;
  digest_time: string;
  paused: number;
  digest_limit: number;
  density: string;
  active: number;
}

function toChat(row: ChatRow): Chat {
  return {
    id: row.id,
    platform: row.platform,
    chatId: row.chat_id,
    type: row.type as ChatType,
    title: row.title,
    timezone: row.timezone,
    digestTime: row.digest_time,
    paused: row.paused === 1,
    digestLimit: row.digest_limit,
    density: row.density === "brief" ? "brief" : "full",
    active: row.active === 1,
  };
}

/** Thrown when a chat id that should exist does not. */
export class ChatNotFoundError extends Error {
  constructor(readonly chat: number | string) {
    super(`no chat ${chat}`);
    this.name = "ChatNotFoundError";
  }
}

const COLUMNS =
  "id, platform, chat_id, type, title, timezone, digest_time, paused, digest_limit, density, active";

export class ChatStore {
  private readonly insert;
  private readonly byAddress;
  private readonly byIdStmt;
  private readonly updateStmt;
  private readonly setActiveStmt;
  private readonly activeStmt;
  private readonly setChatIdStmt;
  private readonly deleteStmt;
  private readonly moveSubscriptions;
  private readonly moveOutbox;
  private readonly moveLedger;
  private readonly moveDeliveries;

  constructor(
    private readonly db: Db,
    private readonly defaults: ChatDefaults,
  ) {
    this.insert = db.prepare(
      `INSERT INTO chats (platform, chat_id, type, title, timezone, digest_time, digest_limit,
         created_at, updated_at)
       VALUES (@platform, @chatId, @type, @title, @timezone, @digestTime, @digestLimit, @now, @now)
       ON CONFLICT (platform, chat_id) DO NOTHING`,
    );
    this.byAddress = db.prepare<[string, string], ChatRow>(
      `SELECT ${COLUMNS} FROM chats WHERE platform = ? AND chat_id = ?`,
    );
    this.byIdStmt = db.prepare<[number], ChatRow>(`SELECT ${COLUMNS} FROM chats WHERE id = ?`);
    this.updateStmt = db.prepare(
      `UPDATE chats SET type = @type, title = @title, timezone = @timezone,
         digest_time = @digestTime, paused = @paused, digest_limit = @digestLimit,
         density = @density, updated_at = @now
       WHERE id = @id`,
    );
    this.setActiveStmt = db.prepare("UPDATE chats SET active = ?, updated_at = ? WHERE id = ?");
    this.activeStmt = db.prepare<[], ChatRow>(
      `SELECT ${COLUMNS} FROM chats WHERE active = 1 ORDER BY id`,
    );
    this.setChatIdStmt = db.prepare("UPDATE chats SET chat_id = ?, updated_at = ? WHERE id = ?");
    this.deleteStmt = db.prepare("DELETE FROM chats WHERE id = ?");
    this.moveSubscriptions = db.prepare(
      `INSERT OR IGNORE INTO subscriptions (chat, kind, value, added_by, created_at)
       SELECT ?, kind, value, added_by, created_at FROM subscriptions WHERE chat = ?`,
    );
    this.moveOutbox = db.prepare(
      `INSERT OR IGNORE INTO outbox (chat, paper_id, announce_date, state, batch, attempts,
         created_at)
       SELECT ?, paper_id, announce_date, state, batch, attempts, created_at
       FROM outbox WHERE chat = ?`,
    );
    // Both ids may hold a day's packed ids: join the lists (a lookup only needs membership).
    this.moveLedger = db.prepare(
      `INSERT INTO sent_ledger (chat, announce_date, paper_ids, papers)
       SELECT ?, announce_date, paper_ids, papers FROM sent_ledger WHERE chat = ? AND true
       ON CONFLICT (chat, announce_date) DO UPDATE SET
         paper_ids = CASE WHEN paper_ids IS NULL THEN excluded.paper_ids
                          WHEN excluded.paper_ids IS NULL THEN paper_ids
                          ELSE paper_ids || ',' || excluded.paper_ids END,
         papers = papers + excluded.papers`,
    );
    this.moveDeliveries = db.prepare(
      `INSERT OR IGNORE INTO deliveries (chat, announce_date, state, created_at, finished_at)
       SELECT ?, announce_date, state, created_at, finished_at FROM deliveries WHERE chat = ?`,
    );
  }

  /**
   * The chat at `address`, created with the defaults when new. An existing chat keeps its
   * settings and its active flag (only lifecycle events change that); its title and type follow
   * the platform.
   */
  ensure(address: ChatAddress): Chat {
    const existing = this.find(address.platform, address.chatId);
    if (existing) {
      const title = address.title ?? existing.title;
      if (title !== existing.title || address.type !== existing.type) {
        return this.update(existing.id, { title, type: address.type });
      }
      return existing;
    }
    this.insert.run({
      platform: address.platform,
      chatId: address.chatId,
      type: address.type,
      title: address.title ?? null,
      timezone: this.defaults.timezone,
      digestTime: this.defaults.digestTime,
      digestLimit: DEFAULT_DIGEST_LIMIT,
      now: nowIso(),
    });
    const created = this.find(address.platform, address.chatId);
    if (!created) throw new ChatNotFoundError(`${address.platform}:${address.chatId}`);
    return created;
  }

  find(platform: Platform, chatId: string): Chat | null {
    const row = this.byAddress.get(platform, chatId);
    return row ? toChat(row) : null;
  }

  byId(id: number): Chat | null {
    const row = this.byIdStmt.get(id);
    return row ? toChat(row) : null;
  }

  /** Applies `patch` and returns the updated chat. */
  update(id: number, patch: ChatPatch): Chat {
    const chat = this.byId(id);
    if (!chat) throw new ChatNotFoundError(id);
    const next = { ...chat, ...patch };
    this.updateStmt.run({
      id,
      type: next.type,
      title: next.title,
      timezone: next.timezone,
      digestTime: next.digestTime,
      paused: next.paused ? 1 : 0,
      digestLimit: next.digestLimit,
      density: next.density,
      now: nowIso(),
    });
    return next;
  }

  setActive(id: number, active: boolean): void {
    this.setActiveStmt.run(active ? 1 : 0, nowIso(), id);
  }

  /**
   * Moves the chat at `oldChatId` to `newChatId`, keeping its surrogate id and so its
   * subscriptions, settings and outbox. If the new id already has a row (a message from the
   * new supergroup arrived before the migration event), that row's subscriptions and ledger
   * are merged into the old chat and the row is dropped. Returns the chat, or null when
   * neither id is known.
   */
  migrateChatId(platform: Platform, oldChatId: string, newChatId: string): Chat | null {
    return this.db.transaction(() => {
      const old = this.find(platform, oldChatId);
      const fresh = this.find(platform, newChatId);
      if (!old) return fresh;
      if (fresh && fresh.id !== old.id) {
        this.moveSubscriptions.run(old.id, fresh.id);
        this.moveOutbox.run(old.id, fresh.id);
        this.moveLedger.run(old.id, fresh.id);
        this.moveDeliveries.run(old.id, fresh.id);
        this.deleteStmt.run(fresh.id);
      }
      this.setChatIdStmt.run(newChatId, nowIso(), old.id);
      return this.byId(old.id);
    })();
  }

  /** Every chat the bot is still in, paused ones included (the scheduler skips those). */
  listActive(): Chat[] {
    return this.activeStmt.all().map(toChat);
  }
}
