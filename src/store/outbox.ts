/**
 * The outbox ledger and the per-day delivery records (tables `outbox` and `deliveries`).
 *
 * Why it exists: a chat must never get the same paper twice, whatever restarts, retries,
 * versions or cross-lists happen. Every (chat, paper) a digest carries is written as pending
 * before the message is sent and marked sent, with the platform's message id, once the platform
 * confirmed it. A pending row is "in flight": it is never selected for another digest, and a
 * restart resumes it. Only the message that was in flight at a crash can be uncertain.
 */
import { type RichMessage, RichMessagesSchema } from "../core/message.ts";
import { type Db, nowIso } from "./db.ts";

export type OutboxState = "pending" | "sent" | "failed";

/** One (chat, paper) of the ledger. */
export interface OutboxEntry {
  chat: number;
  paperId: string;
  announceDate: string;
  state: OutboxState;
  batch: string;
  messageId: string | null;
  attempts: number;
}

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
  attempts: number;
  nextAttemptAt: string | null;
  error: string | null;
}

interface OutboxRow {
  chat: number;
  paper_id: string;
  announce_date: string;
  state: OutboxState;
  batch: string;
  message_id: string | null;
  attempts: number;
}

interface DeliveryRow {
  chat: number;
  announce_date: string;
  state: DeliveryState;
  batch: string | null;
  parts: string | null;
  parts_sent: number;
  attempts: number;
  next_attempt_at: string | null;
  error: string | null;
}

const toEntry = (r: OutboxRow): OutboxEntry => ({
  chat: r.chat,
  paperId: r.paper_id,
  announceDate: r.announce_date,
  state: r.state,
  batch: r.batch,
  messageId: r.message_id,
  attempts: r.attempts,
});

const toDelivery = (r: DeliveryRow): Delivery => ({
  chat: r.chat,
  announceDate: r.announce_date,
  state: r.state,
  batch: r.batch,
  parts: r.parts === null ? null : RichMessagesSchema.parse(JSON.parse(r.parts)),
  partsSent: r.parts_sent,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  error: r.error,
});

/** Ids are passed as one JSON array (json_each), so any number of them fits one statement. */
const ids = (paperIds: readonly string[]) => JSON.stringify([...new Set(paperIds)]);

export class OutboxStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      inFlightOrSent: db
        .prepare<[number, string], string>(
          `SELECT paper_id FROM outbox WHERE chat = ? AND state IN ('pending', 'sent')
             AND paper_id IN (SELECT value FROM json_each(?))`,
        )
        .pluck(),
      // A failed row may be taken again; pending and sent rows are never overwritten.
      claim: db.prepare<
        [number, string, string, OutboxState, string, string | null, string, string | null]
      >(
        `INSERT INTO outbox (chat, paper_id, announce_date, state, batch, message_id, attempts,
                             created_at, sent_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)
         ON CONFLICT (chat, paper_id) DO UPDATE SET
           announce_date = excluded.announce_date, state = excluded.state,
           batch = excluded.batch, message_id = excluded.message_id,
           attempts = outbox.attempts + 1, sent_at = excluded.sent_at
         WHERE outbox.state = 'failed'`,
      ),
      markSent: db.prepare<[string | null, string, number, string]>(
        `UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?
           WHERE chat = ? AND state = 'pending' AND paper_id IN (SELECT value FROM json_each(?))`,
      ),
      markFailed: db.prepare<[number, string]>(
        `UPDATE outbox SET state = 'failed', attempts = attempts + 1
           WHERE chat = ? AND state = 'pending' AND paper_id IN (SELECT value FROM json_each(?))`,
      ),
      releaseOrphans: db.prepare(
        `DELETE FROM outbox WHERE state = 'pending' AND NOT EXISTS (
           SELECT 1 FROM deliveries d WHERE d.chat = outbox.chat AND d.state = 'pending'
             AND d.batch = outbox.batch)`,
      ),
      dropPending: db.prepare<[number]>(`DELETE FROM outbox WHERE chat = ? AND state = 'pending'`),
      pending: db.prepare<[], OutboxRow>(
        `SELECT * FROM outbox WHERE state = 'pending' ORDER BY chat, created_at, paper_id`,
      ),
      entries: db.prepare<[number], OutboxRow>(
        `SELECT * FROM outbox WHERE chat = ? ORDER BY created_at, paper_id`,
      ),
      countByState: db.prepare<[], { state: OutboxState; n: number }>(
        `SELECT state, count(*) AS n FROM outbox GROUP BY state`,
      ),
      delivery: db.prepare<[number, string], DeliveryRow>(
        `SELECT * FROM deliveries WHERE chat = ? AND announce_date = ?`,
      ),
      deliveredChats: db
        .prepare<[string], number>(`SELECT chat FROM deliveries WHERE announce_date = ?`)
        .pluck(),
      insertDelivery: db.prepare<
        [number, string, DeliveryState, string | null, string | null, string, string | null]
      >(
        `INSERT INTO deliveries (chat, announce_date, state, batch, parts, created_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat, announce_date) DO NOTHING`,
      ),
      partSent: db.prepare<[number, number, string]>(
        `UPDATE deliveries SET parts_sent = ? WHERE chat = ? AND announce_date = ?
           AND state = 'pending'`,
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
      unfinished: db.prepare<[string], { chat: number; announce_date: string }>(
        `SELECT chat, announce_date FROM deliveries WHERE state = 'pending'
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
           ORDER BY created_at, chat`,
      ),
      pendingDeliveries: db
        .prepare<[], number>(`SELECT count(*) FROM deliveries WHERE state = 'pending'`)
        .pluck(),
      closeChat: db.prepare<[string, number]>(
        `UPDATE deliveries SET state = 'gone', parts = NULL, finished_at = ?
           WHERE chat = ? AND state = 'pending'`,
      ),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * The ids among `paperIds` this chat already has, or has in flight (pending): a digest must
   * skip them. Failed rows are not counted, so a paper whose message failed may be sent again.
   */
  sentAmong(chat: number, paperIds: readonly string[]): Set<string> {
    if (paperIds.length === 0) return new Set();
    return new Set(this.q.inFlightOrSent.all(chat, ids(paperIds)));
  }

  /**
   * Records papers that were already sent outside a scheduled delivery (/digest on demand,
   * after the platform confirmed): inserted as sent, existing rows left alone.
   */
  recordSent(
    chat: number,
    announceDate: string,
    paperIds: readonly string[],
    batch: string,
    messageId: string | null,
    at: string = nowIso(),
  ): void {
    this.transaction(() => {
      for (const id of new Set(paperIds)) {
        this.q.claim.run(chat, id, announceDate, "sent", batch, messageId, at, at);
      }
    });
  }

  /**
   * Writes the papers as pending for this chat in one transaction, before anything is sent.
   * Returns the ids actually reserved: ids already pending or sent for the chat are skipped
   * (another digest has them), failed ids are taken again.
   */
  reserve(
    chat: number,
    announceDate: string,
    paperIds: readonly string[],
    batch: string,
    at: string = nowIso(),
  ): string[] {
    return this.transaction(() => {
      const reserved: string[] = [];
      for (const id of new Set(paperIds)) {
        const r = this.q.claim.run(chat, id, announceDate, "pending", batch, null, at, null);
        if (r.changes > 0) reserved.push(id);
      }
      return reserved;
    });
  }

  /** The platform confirmed the message carrying these papers. */
  markSent(
    chat: number,
    paperIds: readonly string[],
    messageId: string | null,
    at: string = nowIso(),
  ): void {
    if (paperIds.length) this.q.markSent.run(messageId, at, chat, ids(paperIds));
  }

  /** The platform refused these papers for good; a later digest may try them again. */
  markFailed(chat: number, paperIds: readonly string[]): void {
    if (paperIds.length) this.q.markFailed.run(chat, ids(paperIds));
  }

  /** Drops every pending row of a chat (the chat is gone); returns how many. */
  dropPending(chat: number): number {
    return this.q.dropPending.run(chat).changes;
  }

  /**
   * Releases pending rows that no open delivery will ever send (left by an older version or a
   * chat merge), so a later digest can select those papers again. Returns how many.
   */
  releaseOrphans(): number {
    return this.q.releaseOrphans.run().changes;
  }

  /** Every pending (in-flight) row, for resuming after a restart. */
  pending(): OutboxEntry[] {
    return this.q.pending.all().map(toEntry);
  }

  /** The whole ledger of one chat (tests, diagnostics). */
  entries(chat: number): OutboxEntry[] {
    return this.q.entries.all(chat).map(toEntry);
  }

  /** Rows per state, for the run summary and health output. */
  counts(): Record<OutboxState, number> {
    const out: Record<OutboxState, number> = { pending: 0, sent: 0, failed: 0 };
    for (const r of this.q.countByState.all()) out[r.state] = r.n;
    return out;
  }

  // --- deliveries: one scheduled digest per (chat, announcement day) ---

  delivery(chat: number, announceDate: string): Delivery | undefined {
    const row = this.q.delivery.get(chat, announceDate);
    return row ? toDelivery(row) : undefined;
  }

  /** Chats that already have a delivery record (any state) for the day: they are done. */
  deliveredChats(announceDate: string): Set<number> {
    return new Set(this.q.deliveredChats.all(announceDate));
  }

  /**
   * Starts a scheduled digest: the delivery row (pending, with its parts) and the pending
   * outbox rows of `paperIds`, in the caller's transaction. False when the day already has a
   * delivery for this chat (it went out, or is in flight).
   */
  beginDelivery(
    chat: number,
    announceDate: string,
    batch: string,
    parts: RichMessage[],
    at: string = nowIso(),
  ): boolean {
    const r = this.q.insertDelivery.run(
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
    this.q.insertDelivery.run(chat, announceDate, "empty", null, null, at, at);
  }

  /**
   * Part `index` of a pending delivery was confirmed as `messageId`: its papers become sent and
   * the delivery moves past it, atomically; the last part finishes the delivery.
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
    this.transaction(() => {
      this.markSent(chat, paperIds, messageId, at);
      this.q.partSent.run(index + 1, chat, announceDate);
      if (index + 1 >= totalParts) this.q.finish.run("sent", null, at, chat, announceDate);
    });
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
    return this.transaction(() => {
      this.q.closeChat.run(at, chat);
      return this.dropPending(chat);
    });
  }

  /** How many deliveries are still open (in flight or deferred), for `sudi health`. */
  pendingDeliveries(): number {
    return this.q.pendingDeliveries.get() ?? 0;
  }
}
