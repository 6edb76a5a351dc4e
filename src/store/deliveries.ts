/**
 * The per-day delivery records (table `deliveries`): one scheduled digest per (chat,
 * announcement day), so each goes out once. While pending, a record keeps the split parts and
 * how many the platform confirmed, so a restart resumes exactly after the last confirmed part.
 * Confirming a part moves its papers into the outbox ledger in the same transaction.
 * A 周报/月报 roll-up is a record of its own keyed by (chat, period), e.g. "2024-W17": it
 * reserves no papers, so its parts carry none into the ledger.
 */
import { type RichMessage, RichMessagesSchema } from "../core/message.ts";
import { type Db, nowIso } from "./db.ts";
import type { OutboxStore } from "./outbox.ts";

export type DeliveryState = "pending" | "sent" | "empty" | "failed" | "gone";

/** One scheduled digest of one chat for one announcement day. */
export interface Delivery {
  chat: number;
  announceDate: string;
  state: DeliveryState;
  batch: string | null;
  /** the split parts, kept while pending so a restart resumes after the last confirmed one */
  parts: RichMessage[] | null;
  partsSent: number;
  /** the platform's ids of the confirmed parts, in order */
  messageIds: string[];
  attempts: number;
  nextAttemptAt: string | null;
  error: string | null;
}

interface DeliveryRow {
  chat: number;
  announce_date: string;
  state: DeliveryState;
  batch: string | null;
  parts: string | null;
  parts_sent: number;
  message_ids: string | null;
  attempts: number;
  next_attempt_at: string | null;
  error: string | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  chat: r.chat,
  announceDate: r.announce_date,
  state: r.state,
  batch: r.batch,
  parts: r.parts === null ? null : RichMessagesSchema.parse(JSON.parse(r.parts)),
  partsSent: r.parts_sent,
  messageIds: r.message_ids ? r.message_ids.split(",") : [],
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  error: r.error,
});

export class DeliveryStore {
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
  ) {
    this.q = {
      delivery: db.prepare<[number, string], DeliveryRow>(
        `SELECT * FROM deliveries WHERE chat = ? AND announce_date = ?`,
      ),
      // Asked every minute: served by the deliveries_day index, so its cost does not grow
      // with history (test/store-ledger.test.ts checks the plan).
      deliveredChats: db
        .prepare<[string], number>(`SELECT chat FROM deliveries WHERE announce_date = ?`)
        .pluck(),
      insert: db.prepare<
        [number, string, DeliveryState, string | null, string | null, string, string | null]
      >(
        `INSERT INTO deliveries (chat, announce_date, state, batch, parts, created_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat, announce_date) DO NOTHING`,
      ),
      partSent: db.prepare<[number, string, number, string]>(
        `UPDATE deliveries SET parts_sent = ?,
           message_ids = coalesce(message_ids || ',', '') || ?
           WHERE chat = ? AND announce_date = ? AND state = 'pending'`,
      ),
      finish: db.prepare<[DeliveryState, string | null, string, number, string]>(
        `UPDATE deliveries SET state = ?, error = ?, finished_at = ?, parts = NULL,
           next_attempt_at = NULL
           WHERE chat = ? AND announce_date = ?`,
      ),
      defer: db.prepare<[string, string, number, string]>(
        `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, error = ?
           WHERE chat = ? AND announce_date = ? AND state = 'pending'`,
      ),
      // Asked every minute too: served by the partial index deliveries_pending.
      unfinished: db.prepare<[string], { chat: number; announce_date: string }>(
        `SELECT chat, announce_date FROM deliveries WHERE state = 'pending'
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
           ORDER BY created_at, chat`,
      ),
      pendingCount: db
        .prepare<[], number>(`SELECT count(*) FROM deliveries WHERE state = 'pending'`)
        .pluck(),
      closeChat: db.prepare<[string, number]>(
        `UPDATE deliveries SET state = 'gone', parts = NULL, finished_at = ?
           WHERE chat = ? AND state = 'pending'`,
      ),
      // Daily records are keyed by day (YYYY-MM-DD); roll-ups by period (2024-W17, 2024-04),
      // which the reports ask about for up to a month after it ends: those are kept until
      // their year is over by a full year.
      dropFinished: db.prepare<[{ day: string; year: string }]>(
        `DELETE FROM deliveries WHERE state <> 'pending' AND CASE
           WHEN announce_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
             THEN announce_date < @day
           ELSE announce_date < @year END`,
      ),
    };
  }

  delivery(chat: number, announceDate: string): Delivery | undefined {
    const row = this.q.delivery.get(chat, announceDate);
    return row ? toDelivery(row) : undefined;
  }

  /** Chats that already have a delivery record (any state) for the day: they are done. */
  deliveredChats(announceDate: string): Set<number> {
    return new Set(this.q.deliveredChats.all(announceDate));
  }

  /**
   * Starts a scheduled digest: the delivery row, pending with its parts, in the caller's
   * transaction (with the outbox's reservation of its papers). False when the day already has a
   * delivery for this chat (it went out, or is in flight).
   */
  beginDelivery(
    chat: number,
    announceDate: string,
    batch: string,
    parts: RichMessage[],
    at: string = nowIso(),
  ): boolean {
    const r = this.q.insert.run(
      chat,
      announceDate,
      "pending",
      batch,
      JSON.stringify(parts),
      at,
      null,
    );
    return r.changes > 0;
  }

  /** Records a day with nothing to send for this chat, so it is not looked at again. */
  recordEmpty(chat: number, announceDate: string, at: string = nowIso()): void {
    this.q.insert.run(chat, announceDate, "empty", null, null, at, at);
  }

  /**
   * Part `index` of a pending delivery was confirmed as `messageId`: its papers go into the
   * sent ledger and the delivery moves past it, atomically; the last part finishes it.
   */
  partSent(
    chat: number,
    announceDate: string,
    index: number,
    totalParts: number,
    paperIds: readonly string[],
    messageId: string,
    at: string = nowIso(),
  ): void {
    this.db.transaction(() => {
      this.outbox.markSent(chat, paperIds);
      this.q.partSent.run(index + 1, messageId, chat, announceDate);
      if (index + 1 >= totalParts) this.q.finish.run("sent", null, at, chat, announceDate);
    })();
  }

  /** Ends a delivery for good (failed: its pending papers become failed, not lost silently). */
  finishDelivery(
    chat: number,
    announceDate: string,
    state: Exclude<DeliveryState, "pending">,
    error: string | null = null,
    at: string = nowIso(),
  ): void {
    this.q.finish.run(state, error, at, chat, announceDate);
  }

  /** Leaves a delivery pending for a later attempt, not before `nextAttemptAt`. */
  deferDelivery(chat: number, announceDate: string, nextAttemptAt: string, error: string): void {
    this.q.defer.run(nextAttemptAt, error, chat, announceDate);
  }

  /**
   * Keys of pending deliveries whose next attempt is due at `now` (ISO): what a restart
   * resumes. Keys only, so thousands of deferred deliveries never sit in memory with their parts.
   */
  unfinishedKeys(now: string = nowIso()): { chat: number; announceDate: string }[] {
    return this.q.unfinished.all(now).map((r) => ({ chat: r.chat, announceDate: r.announce_date }));
  }

  /** The chat is gone for good: its pending rows are dropped and its open deliveries closed. */
  closeChat(chat: number, at: string = nowIso()): number {
    return this.db.transaction(() => {
      this.q.closeChat.run(at, chat);
      return this.outbox.dropPending(chat);
    })();
  }

  /** How many deliveries are still open (in flight or deferred), for `sudi health`. */
  pendingDeliveries(): number {
    return this.q.pendingCount.get() ?? 0;
  }

  /**
   * Drops finished records of days before `before` (YYYY-MM-DD): the scheduler only asks about
   * recent days, and the sent ledger keeps each day's count. Roll-up records (keyed by period)
   * go only once their year ended more than a year before `before`: a report stays owed for a
   * while after its period, and dropping its record would send it again. Returns how many.
   */
  compact(before: string): number {
    const lastYear = String(Number(before.slice(0, 4)) - 1);
    return this.q.dropFinished.run({ day: before, year: lastYear }).changes;
  }
}
