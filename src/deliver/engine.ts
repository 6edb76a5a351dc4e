/**
 * The delivery engine: gets a digest to a chat through its platform's Sender, exactly once
 * apart from the message in flight at a crash.
 *
 * The order is what makes it crash-safe:
 *   1. in one transaction: the (chat, paper) rows become pending and the split parts are stored
 *      with the delivery (nothing is sent yet);
 *   2. each part is sent; when the platform confirms it, its papers become sent with the
 *      message id and the delivery moves past it, in one transaction;
 *   3. a restart resumes pending deliveries after their last confirmed part.
 * A crash between the platform accepting a part and step 2 is the only window where a message
 * can go out twice. At most the in-flight window's messages are in that window at any moment:
 * rate × busy time + 2, adapted per platform (window.ts), capped by `inFlightPerPlatform`.
 *
 * This is the one place that retries a send (senders only classify). A message the platform
 * certainly did not take (429, connection refused) is retried as the policy allows, a 429 after
 * its retry_after; one that may have arrived (timeout, reset, 5xx) is retried at most once and
 * counted as uncertain. Waits happen in the chat's own lane without an in-flight slot, so one
 * rate-limited chat never holds up the others; each chat's parts go in order. A gone chat is
 * deactivated and its pending rows dropped; a migrated chat is moved and the part sent again
 * under the new id.
 *
 * Faults never multiply: when the ledger cannot be written (disk full, a lock held past the busy
 * timeout), or the scheduler says the delivery lease was lost, every lane stops before its next
 * send, what can still be recorded is, and the run reports the halt. Repeats after such a
 * fault are bounded by the messages in flight, as for a crash.
 */
import { setMaxListeners } from "node:events";
import { announcementAt } from "../arxiv/calendar.ts";
import type { ChatAddress, Platform } from "../core/address.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { runPool } from "../core/concurrency.ts";
import type { RichMessage } from "../core/message.ts";
import { metrics } from "../core/metrics.ts";
import { paperIdsOf } from "../digest/split.ts";
import { describeError, type Logger, silentLogger } from "../log.ts";
import type { Chat, ChatStore } from "../store/chats.ts";
import type { DeliveryStore } from "../store/deliveries.ts";
import type { OutboxStore } from "../store/outbox.ts";
import {
  ChatGoneError,
  ChatMigratedError,
  SendAbortedError,
  type Sender,
  TransientSendError,
} from "./sender.ts";
import { defaultInFlightCap, InFlightWindow } from "./window.ts";

/** What the engine needs of a digest; src/digest/digest.ts's Digest fits. */
export interface DigestToDeliver {
  chat: Chat;
  /** the delivery's key: an announcement day, or a report period (2024-W17, 2024-04) */
  announceDate: string;
  message: RichMessage;
  /**
   * A roll-up (周报, 月报): its own delivery, exactly once per (chat, period) by the delivery
   * record alone. Its papers are not reserved in the outbox, so papers a daily digest already
   * carried appear in it, and it never keeps a paper out of a later daily digest. `messages`
   * (chart photo, summary, HTML file) are sent in order, each split as the platform needs.
   */
  rollup?: { messages: RichMessage[] };
}

export type DeliveryOutcome =
  /** every part confirmed */
  | "sent"
  /** nothing left to send (every paper already sent or in flight elsewhere) */
  | "empty"
  /** this day's digest was already delivered (or is being delivered) to this chat */
  | "already"
  /** transient trouble: left pending for a later attempt */
  | "deferred"
  /** gave up after the bounded attempts; its papers are marked failed */
  | "failed"
  /** the chat is gone: deactivated, pending rows dropped */
  | "gone"
  /** shutdown, a lost lease or a ledger fault stopped it: resumed on the next run */
  | "stopped"
  /** no sender for the chat's platform in this process: left for one that has it */
  | "skipped";

/** Counts of one run, for the run summary line. */
export interface DeliveryReport {
  digests: number;
  sent: number;
  empty: number;
  already: number;
  deferred: number;
  failed: number;
  gone: number;
  stopped: number;
  skipped: number;
  /** platform messages confirmed (recorded in the ledger or not) */
  messages: number;
  /** sends whose answer was lost after the request was written: each may show twice */
  uncertain: number;
  /** messages the platform confirmed that the ledger could not record: they may go again */
  unrecorded: number;
  /** runs stopped by a ledger fault or a lost lease (the run failed) */
  halted: number;
}

export const emptyReport = (): DeliveryReport => ({
  digests: 0,
  sent: 0,
  empty: 0,
  already: 0,
  deferred: 0,
  failed: 0,
  gone: 0,
  stopped: 0,
  skipped: 0,
  messages: 0,
  uncertain: 0,
  unrecorded: 0,
  halted: 0,
});

export function addReports(a: DeliveryReport, b: DeliveryReport): DeliveryReport {
  const out = emptyReport();
  for (const k of Object.keys(out) as (keyof DeliveryReport)[]) out[k] = a[k] + b[k];
  return out;
}

export interface DeliveryEngineDeps {
  outbox: OutboxStore;
  deliveries: DeliveryStore;
  chats: Pick<ChatStore, "byId" | "setActive" | "migrateChatId">;
  /** one Sender per platform this process can send to */
  senders: Partial<Record<Platform, Sender>>;
  clock?: Clock;
  log?: Logger;
  /** keeps the write-ahead log small during a fan-out (src/store/wal.ts); called now and then */
  checkpoint?: () => void;
}

export interface DeliveryOptions {
  /**
   * chats worked on at once (default 64): a chat in backoff holds only its own lane, and the
   * lanes queue FIFO for the platform, so consecutive parts of one chat are naturally spaced
   * by the other chats' sends (no waiting on Telegram's 1 message/s per chat)
   */
  concurrency?: number;
  /**
   * the cap of messages in flight per platform (SUDI_DELIVERY_IN_FLIGHT). The window adapts
   * under it to the sender's rate × the observed busy time (p90); the default cap is enough for a
   * 300 ms round trip (Telegram 13, Discord 20, console 1). A crash can repeat at most the
   * window's messages per platform.
   */
  inFlightPerPlatform?: number;
  /** retries of a part the platform certainly did not take (429, refused; default 3) */
  retries?: number;
  /** first backoff between retries without a retry_after, doubling each time (default 1 s) */
  backoffMs?: number;
  /** a longer retry_after leaves the delivery for a later tick instead (default 60 s) */
  maxInlineWaitMs?: number;
  /** confirmed messages between two WAL checkpoints (default 200) */
  checkpointEvery?: number;
  /** delivery attempts (ticks) before giving up on a digest (default 12) */
  maxAttempts?: number;
  /** longest wait between two delivery attempts (default 1 h) */
  maxDeferMs?: number;
  /** consecutive deferred chats on one platform that pause it for the rest of a run (default 20) */
  circuitThreshold?: number;
}

type SendResult =
  /** `release` frees the in-flight slot: only once the ledger recorded the message */
  | { kind: "ok"; messageId: string; release: () => void }
  | { kind: "gone"; reason: string }
  | { kind: "stopped" }
  | { kind: "defer"; error: unknown; retryAfterMs?: number };

/** The ledger could not be written: delivery halts (carries the store's error as cause). */
export class LedgerWriteError extends Error {
  constructor(
    readonly operation: string,
    options: { cause: unknown },
  ) {
    super(`the outbox ledger could not be written (${operation})`, options);
    this.name = "LedgerWriteError";
  }
}

/** A confirmed part the ledger has not recorded yet. */
interface Unrecorded {
  chat: number;
  announceDate: string;
  index: number;
  total: number;
  paperIds: string[];
  messageId: string;
  at: string;
}

/**
 * The idempotency key of one part of one delivery, at most 25 characters (Discord's nonce):
 * the same for every attempt at that part, from any process.
 */
export const idempotencyKeyOf = (chat: number, announceDate: string, part: number) =>
  `d${chat.toString(36)}.${announceDate.replaceAll("-", "")}.${part}`;

/** The batch name of a scheduled digest: one per (chat, announcement day). */
export const batchOf = (chat: number, announceDate: string) => `digest:${announceDate}:${chat}`;

/** The batch name of a roll-up (周报, 月报): one per (chat, period). */
export const rollupBatchOf = (chat: number, period: string) => `report:${period}:${chat}`;

function keepPapers(message: RichMessage, keep: ReadonlySet<string>): RichMessage {
  return { ...message, blocks: message.blocks.filter((b) => !b.paperId || keep.has(b.paperId)) };
}

/** Every waiting lane listens to one signal: thousands of listeners are expected. */
function newAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export class DeliveryEngine {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly opts: Required<Omit<DeliveryOptions, "inFlightPerPlatform">> & {
    inFlightPerPlatform: number | undefined;
  };
  private readonly windows = new Map<Platform, InFlightWindow>();
  private readonly consecutiveDeferrals = new Map<Platform, number>();
  private readonly running = new Set<Promise<unknown>>();
  private abort = newAbortController();
  private stopping = false;
  private haltedBy: string | null = null;
  private unrecorded: Unrecorded[] = [];
  private sinceCheckpoint = 0;
  /** Messages confirmed by a platform since this engine was created. */
  messages = 0;
  /** Sends whose answer was lost (they may show twice) since this engine was created. */
  uncertain = 0;

  constructor(
    private readonly deps: DeliveryEngineDeps,
    options: DeliveryOptions = {},
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log ?? silentLogger;
    this.opts = {
      concurrency: options.concurrency ?? 64,
      inFlightPerPlatform: options.inFlightPerPlatform,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 1000,
      maxInlineWaitMs: options.maxInlineWaitMs ?? 60_000,
      maxAttempts: options.maxAttempts ?? 12,
      maxDeferMs: options.maxDeferMs ?? 3_600_000,
      circuitThreshold: options.circuitThreshold ?? 20,
      checkpointEvery: options.checkpointEvery ?? 200,
    };
  }

  /** Whether this process can deliver to `platform`. */
  canSend(platform: Platform): boolean {
    return this.deps.senders[platform] !== undefined;
  }

  /** The in-flight window of a platform (its size, observed round trip and peak). */
  window(platform: Platform): InFlightWindow {
    let w = this.windows.get(platform);
    if (!w) {
      const perSecond = this.deps.senders[platform]?.messagesPerSecond;
      w = new InFlightWindow(
        perSecond,
        this.opts.inFlightPerPlatform ?? defaultInFlightCap(perSecond),
      );
      this.windows.set(platform, w);
    }
    return w;
  }

  /** Why delivery is halted (a ledger fault, a lost lease), or null while it may go on. */
  get halted(): string | null {
    return this.haltedBy;
  }

  /**
   * Stops every lane before its next send (messages in flight finish and are recorded if the
   * ledger allows). The next run starts afresh; a graceful stop() is for good.
   */
  halt(reason: string, error?: unknown): void {
    if (this.haltedBy) return;
    this.haltedBy = reason;
    this.log.error("delivery halted: no lane starts another message", {
      reason,
      ...(error === undefined ? {} : { error: describeError(error) }),
    });
    this.abort.abort(new Error(`delivery halted: ${reason}`));
  }

  /** Delivers one chat's digest for its announcement day; never throws for a chat's trouble. */
  deliver(digest: DigestToDeliver): Promise<DeliveryOutcome> {
    return this.track(this.deliverOne(digest));
  }

  /** Delivers many digests, `concurrency` chats at a time, pulling them lazily. */
  async deliverAll(
    digests: Iterable<DigestToDeliver> | AsyncIterable<DigestToDeliver>,
  ): Promise<DeliveryReport> {
    return this.run(async (report) => {
      await runPool(digests, this.opts.concurrency, async (digest) => {
        if (this.stopped()) {
          report.stopped++;
          return;
        }
        report.digests++;
        report[await this.deliver(digest)]++;
      });
    });
  }

  /**
   * Resumes deliveries left pending (by a crash, a shutdown or transient trouble) whose next
   * attempt is due: each continues after its last confirmed part.
   */
  async resume(): Promise<DeliveryReport> {
    return this.run(async (report) => {
      const released = this.ledger("release orphans", () => this.deps.outbox.releaseOrphans());
      if (released)
        this.log.warn("released pending outbox rows without an open delivery", { released });
      const open = this.deps.deliveries.unfinishedKeys(this.isoNow());
      await runPool(open, this.opts.concurrency, async ({ chat, announceDate }) => {
        if (this.stopped()) {
          report.stopped++;
          return;
        }
        report.digests++;
        report[await this.track(this.resumeOne(chat, announceDate))]++;
      });
    });
  }

  /**
   * Graceful stop: no new message starts, backoff waits end, and the messages in flight finish
   * and are recorded. Resolves when nothing is running; pending work resumes on the next start.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort(new Error("delivery engine stopping"));
    while (this.running.size) await Promise.allSettled([...this.running]);
    this.recordUnrecorded();
  }

  /** One run: fresh counters, a fresh chance after an earlier halt, a drained end. */
  private async run(work: (report: DeliveryReport) => Promise<void>): Promise<DeliveryReport> {
    if (this.haltedBy && this.running.size === 0 && !this.stopping) {
      this.haltedBy = null;
      this.abort = newAbortController();
    }
    const report = emptyReport();
    const messagesBefore = this.messages;
    const uncertainBefore = this.uncertain;
    this.consecutiveDeferrals.clear(); // every run gives each platform a fresh chance
    try {
      if (!this.haltedBy) await work(report);
    } catch (error) {
      if (!(error instanceof LedgerWriteError)) throw error;
    } finally {
      while (this.running.size) await Promise.allSettled([...this.running]);
      report.unrecorded = this.recordUnrecorded();
      this.checkpoint(true);
    }
    report.messages = this.messages - messagesBefore;
    report.uncertain = this.uncertain - uncertainBefore;
    report.halted = this.haltedBy ? 1 : 0;
    return report;
  }

  private stopped(): boolean {
    return this.stopping || this.haltedBy !== null;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    return work.finally(() => this.running.delete(work));
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Runs a ledger write; a failure halts delivery and is rethrown as LedgerWriteError. */
  private ledger<T>(operation: string, write: () => T): T {
    try {
      return write();
    } catch (error) {
      this.halt(`the outbox ledger could not be written (${operation})`, error);
      throw new LedgerWriteError(operation, { cause: error });
    }
  }

  /**
   * Writes the parts the platform confirmed but the ledger refused, now that the lanes have
   * stopped (a lock may have been released meanwhile). Returns how many are still unrecorded;
   * each is logged, since the next run may send it again.
   */
  private recordUnrecorded(): number {
    const left: Unrecorded[] = [];
    for (const u of this.unrecorded) {
      try {
        this.deps.deliveries.partSent(
          u.chat,
          u.announceDate,
          u.index,
          u.total,
          u.paperIds,
          u.messageId,
          u.at,
        );
      } catch {
        left.push(u);
      }
    }
    for (const u of left) {
      this.log.error("a confirmed message could not be recorded; the next run may repeat it", {
        chat: u.chat,
        announceDate: u.announceDate,
        part: u.index,
        messageId: u.messageId,
      });
    }
    if (this.unrecorded.length > left.length) {
      this.log.warn("recorded confirmed messages after the ledger fault", {
        recorded: this.unrecorded.length - left.length,
      });
    }
    this.unrecorded = [];
    return left.length;
  }

  /** A checkpoint every `checkpointEvery` messages keeps the write-ahead log small. */
  private checkpoint(force = false): void {
    if (!this.deps.checkpoint || (!force && this.sinceCheckpoint < this.opts.checkpointEvery))
      return;
    if (force && this.sinceCheckpoint === 0) return;
    this.sinceCheckpoint = 0;
    try {
      this.deps.checkpoint();
    } catch (error) {
      this.log.warn("WAL checkpoint failed", { error: describeError(error) });
    }
  }

  private circuitOpen(platform: Platform): boolean {
    return (this.consecutiveDeferrals.get(platform) ?? 0) >= this.opts.circuitThreshold;
  }

  private async deliverOne(digest: DigestToDeliver): Promise<DeliveryOutcome> {
    const { chat, announceDate } = digest;
    const sender = this.deps.senders[chat.platform];
    if (!sender) return "skipped";
    if (this.stopped()) return "stopped";
    // A platform that keeps failing is left alone for the rest of this run; nothing was
    // reserved, so the chat is simply due again on the next tick.
    if (this.circuitOpen(chat.platform)) return "deferred";
    const { outbox, deliveries } = this.deps;
    const at = this.isoNow();
    const batch = batchOf(chat.id, announceDate);
    let parts: RichMessage[] | "already" | "empty";
    try {
      parts = this.ledger("reserve", () =>
        outbox.transaction((): RichMessage[] | "already" | "empty" => {
          if (deliveries.delivery(chat.id, announceDate)) return "already";
          if (digest.rollup) {
            const split = digest.rollup.messages.flatMap((m) => sender.split(m));
            if (split.length === 0) {
              deliveries.recordEmpty(chat.id, announceDate, at);
              return "empty";
            }
            deliveries.beginDelivery(
              chat.id,
              announceDate,
              rollupBatchOf(chat.id, announceDate),
              split,
              at,
            );
            return split;
          }
          const reserved = outbox.reserve(
            chat.id,
            announceDate,
            paperIdsOf(digest.message),
            batch,
            at,
          );
          const message = keepPapers(digest.message, new Set(reserved));
          if (reserved.length === 0) {
            deliveries.recordEmpty(chat.id, announceDate, at);
            return "empty";
          }
          const split = sender.split(message);
          deliveries.beginDelivery(chat.id, announceDate, batch, split, at);
          return split;
        }),
      );
    } catch (error) {
      if (error instanceof LedgerWriteError) return "stopped";
      throw error;
    }
    if (typeof parts === "string") return parts;
    return this.sendParts(chat, announceDate, parts, 0);
  }

  private async resumeOne(chatId: number, announceDate: string): Promise<DeliveryOutcome> {
    const { outbox, deliveries, chats } = this.deps;
    const delivery = deliveries.delivery(chatId, announceDate);
    if (delivery?.state !== "pending") return "already";
    const chat = chats.byId(chatId);
    try {
      if (!chat?.active) {
        this.ledger("close chat", () => deliveries.closeChat(chatId, this.isoNow()));
        return "gone";
      }
      if (!this.deps.senders[chat.platform]) return "skipped";
      if (this.circuitOpen(chat.platform)) return "deferred";
      if (!delivery.parts) {
        // Nothing to resume from (a chat merge copied the row without its parts).
        this.ledger("finish delivery", () => {
          deliveries.finishDelivery(
            chatId,
            announceDate,
            "failed",
            "no stored parts",
            this.isoNow(),
          );
          outbox.releaseOrphans();
        });
        return "failed";
      }
    } catch (error) {
      if (error instanceof LedgerWriteError) return "stopped";
      throw error;
    }
    this.log.info("resuming delivery", {
      chat: chatId,
      announceDate,
      part: delivery.partsSent,
      parts: delivery.parts.length,
    });
    return this.sendParts(chat, announceDate, delivery.parts, delivery.partsSent);
  }

  private async sendParts(
    chat: Chat,
    announceDate: string,
    parts: RichMessage[],
    from: number,
  ): Promise<DeliveryOutcome> {
    const { deliveries } = this.deps;
    let current = chat;
    try {
      for (let i = from; i < parts.length; i++) {
        if (this.stopped()) return "stopped";
        const part = parts[i] as RichMessage;
        const key = idempotencyKeyOf(chat.id, announceDate, i);
        const result = await this.sendWithRetry(current, part, key);
        if (result.kind === "ok") {
          this.messages++;
          this.sinceCheckpoint++;
          metrics.messages.inc({ platform: current.platform, result: "sent" });
          const confirmed: Unrecorded = {
            chat: current.id,
            announceDate,
            index: i,
            total: parts.length,
            paperIds: paperIdsOf(part),
            messageId: result.messageId,
            at: this.isoNow(),
          };
          try {
            this.ledger("part sent", () =>
              deliveries.partSent(
                confirmed.chat,
                announceDate,
                i,
                parts.length,
                confirmed.paperIds,
                confirmed.messageId,
                confirmed.at,
              ),
            );
          } catch (error) {
            this.unrecorded.push(confirmed);
            throw error;
          } finally {
            result.release();
          }
          this.checkpoint();
          this.consecutiveDeferrals.set(current.platform, 0);
          current = this.deps.chats.byId(current.id) ?? current;
          continue;
        }
        if (result.kind === "stopped") return "stopped";
        if (result.kind === "gone") {
          this.deps.chats.setActive(current.id, false);
          const dropped = this.ledger("close chat", () =>
            deliveries.closeChat(current.id, this.isoNow()),
          );
          this.log.warn("chat is gone: deactivated", {
            chat: current.id,
            platform: current.platform,
            reason: result.reason,
            dropped,
          });
          metrics.messages.inc({ platform: current.platform, result: "failed" });
          return "gone";
        }
        return this.defer(current, announceDate, parts.slice(i), result);
      }
    } catch (error) {
      if (error instanceof LedgerWriteError) return "stopped";
      throw error;
    }
    // Daily digests only: a roll-up's key is a period ("2024-04"), not an announcement.
    if (/^\d{4}-\d{2}-\d{2}$/.test(announceDate)) {
      const lagMs = this.clock.now() - announcementAt(announceDate);
      metrics.deliveryLag.observe({ platform: current.platform }, Math.max(0, lagMs) / 1000);
    }
    return "sent";
  }

  /** Leaves the delivery pending for a later tick, or gives up after maxAttempts. */
  private defer(
    chat: Chat,
    announceDate: string,
    unsent: RichMessage[],
    result: { error: unknown; retryAfterMs?: number },
  ): DeliveryOutcome {
    const { outbox, deliveries } = this.deps;
    if (this.stopped()) return "stopped";
    const platform = chat.platform;
    this.consecutiveDeferrals.set(platform, (this.consecutiveDeferrals.get(platform) ?? 0) + 1);
    const attempts = (deliveries.delivery(chat.id, announceDate)?.attempts ?? 0) + 1;
    const text = describeError(result.error);
    if (attempts >= this.opts.maxAttempts) {
      this.ledger("give up", () =>
        outbox.transaction(() => {
          outbox.markFailed(chat.id, unsent.flatMap(paperIdsOf));
          deliveries.finishDelivery(chat.id, announceDate, "failed", text, this.isoNow());
        }),
      );
      this.log.error("delivery failed for good", {
        chat: chat.id,
        announceDate,
        attempts,
        error: text,
      });
      metrics.messages.inc({ platform: chat.platform, result: "failed" });
      return "failed";
    }
    const wait = Math.max(
      result.retryAfterMs ?? 0,
      Math.min(this.opts.maxDeferMs, 60_000 * 2 ** (attempts - 1)),
    );
    this.ledger("defer", () =>
      deliveries.deferDelivery(
        chat.id,
        announceDate,
        new Date(this.clock.now() + wait).toISOString(),
        text,
      ),
    );
    this.log.warn("delivery deferred", {
      chat: chat.id,
      announceDate,
      attempts,
      retryInMs: wait,
      error: text,
    });
    return "deferred";
  }

  /** Waits `ms` in the chat's own lane (no in-flight slot held); false when stopped meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.stopped();
    try {
      await this.clock.sleep(ms, this.abort.signal);
      return !this.stopped();
    } catch {
      return false;
    }
  }

  /**
   * Sends one part, retrying by the policy: a part the platform did not take up to `retries`
   * times (after its retry_after, or a backoff), a part whose answer was lost once.
   */
  private async sendWithRetry(chat: Chat, part: RichMessage, key: string): Promise<SendResult> {
    const sender = this.deps.senders[chat.platform] as Sender;
    const window = this.window(chat.platform);
    let address: ChatAddress = {
      platform: chat.platform,
      chatId: chat.chatId,
      type: chat.type,
      title: chat.title ?? undefined,
    };
    let migrations = 0;
    let retries = 0;
    let ambiguousRetried = false;
    for (;;) {
      // The chat's own pacing (and a retry_after it is serving) is waited out first, so an
      // in-flight slot is only ever held by a message that can go now.
      const ready = sender.readyIn?.(address) ?? 0;
      if (ready > this.opts.maxInlineWaitMs) {
        // Still serving a long retry_after from an earlier attempt: a later tick, not this lane.
        return {
          kind: "defer",
          error: new TransientSendError(`chat ${address.chatId} is rate-limited`, ready, {
            outcome: "undelivered",
          }),
          retryAfterMs: ready,
        };
      }
      if (!(await this.pause(ready))) return { kind: "stopped" };
      const signal = this.abort.signal;
      // The slot is taken before the bot-wide pacing, so a paced message goes the moment its
      // turn comes (a burst never builds up behind a full window); the chat's own waits are over.
      let release = await window.acquire(signal);
      if (!release) return { kind: "stopped" };
      let failure: unknown;
      try {
        let written = 0;
        const messageId = await sender.sendPart(address, part, {
          idempotencyKey: key,
          signal,
          onRequest: () => {
            written = performance.now();
          },
        });
        if (written) window.observe(performance.now() - written);
        // Until the ledger has it, a confirmed message is as uncertain as one on its way: its
        // slot is held until then, so the window bounds both.
        const held = release;
        release = null;
        const from = written;
        const settle = () => {
          if (from) window.observeBusy(performance.now() - from);
          held();
        };
        return { kind: "ok", messageId, release: settle };
      } catch (error) {
        failure = error;
      } finally {
        release?.();
      }
      if (failure instanceof SendAbortedError) return { kind: "stopped" };
      if (failure instanceof ChatGoneError) return { kind: "gone", reason: failure.reason };
      if (failure instanceof ChatMigratedError && migrations++ < 3) {
        const moved = this.deps.chats.migrateChatId(
          chat.platform,
          failure.chatId,
          failure.newChatId,
        );
        this.log.info("chat migrated", { chat: chat.id, to: failure.newChatId });
        address = { ...address, chatId: moved?.chatId ?? failure.newChatId };
        continue;
      }
      if (!(failure instanceof TransientSendError) || this.stopped()) {
        return { kind: "defer", error: failure };
      }
      if (failure.outcome === "ambiguous") {
        // The platform may be showing it: one more try at most, and the run says so.
        this.uncertain++;
        metrics.messages.inc({ platform: chat.platform, result: "uncertain" });
        this.log.warn("send outcome unknown (the answer was lost); counted as uncertain", {
          chat: chat.id,
          platform: chat.platform,
          retrying: !ambiguousRetried,
          error: describeError(failure),
        });
        if (ambiguousRetried) return { kind: "defer", error: failure };
        ambiguousRetried = true;
        if (!(await this.pause(this.opts.backoffMs))) return { kind: "stopped" };
        continue;
      }
      const wait = failure.retryAfterMs ?? this.opts.backoffMs * 2 ** retries;
      if (retries >= this.opts.retries || wait > this.opts.maxInlineWaitMs) {
        return {
          kind: "defer",
          error: failure,
          ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
        };
      }
      retries++;
      if (!(await this.pause(wait))) return { kind: "stopped" };
    }
  }
}
