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
 * can go out twice. At most `inFlightPerPlatform` messages are in that window at any moment.
 *
 * Errors: a transient one is retried with backoff, then the delivery is left pending for a
 * later tick; a gone chat is deactivated and its pending rows dropped; a migrated chat is moved
 * and the part resent under the new id. One chat's trouble never stalls the others.
 */
import type { Platform } from "../core/address.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { runPool, Semaphore } from "../core/concurrency.ts";
import type { RichMessage } from "../core/message.ts";
import { paperIdsOf } from "../digest/split.ts";
import { describeError, type Logger, silentLogger } from "../log.ts";
import type { Chat, ChatStore } from "../store/chats.ts";
import type { OutboxStore } from "../store/outbox.ts";
import { ChatGoneError, ChatMigratedError, type Sender, TransientSendError } from "./sender.ts";

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
  /** shutdown began before it finished: resumed on the next start */
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
  /** platform messages confirmed */
  messages: number;
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
});

export function addReports(a: DeliveryReport, b: DeliveryReport): DeliveryReport {
  const out = emptyReport();
  for (const k of Object.keys(out) as (keyof DeliveryReport)[]) out[k] = a[k] + b[k];
  return out;
}

export interface DeliveryEngineDeps {
  outbox: OutboxStore;
  chats: Pick<ChatStore, "byId" | "setActive" | "migrateChatId">;
  /** one Sender per platform this process can send to */
  senders: Partial<Record<Platform, Sender>>;
  clock?: Clock;
  log?: Logger;
}

export interface DeliveryOptions {
  /**
   * chats worked on at once (default 64): a chat in backoff holds only its own lane, and the
   * lanes queue FIFO for the platform, so consecutive parts of one chat are naturally spaced
   * by the other chats' sends (no waiting on Telegram's 1 message/s per chat)
   */
  concurrency?: number;
  /**
   * messages in flight per platform (default 1). This is also the most messages a crash can
   * leave uncertain per platform. The Sender paces within it; raising it speeds a fan-out over
   * a slow link at the price of more uncertain messages on a crash.
   */
  inFlightPerPlatform?: number;
  /** immediate retries of a part on a transient error (default 3) */
  retries?: number;
  /** first backoff between those retries, doubling each time (default 1 s) */
  backoffMs?: number;
  /** delivery attempts (ticks) before giving up on a digest (default 12) */
  maxAttempts?: number;
  /** longest wait between two delivery attempts (default 1 h) */
  maxDeferMs?: number;
  /** consecutive deferred chats on one platform that pause it for the rest of a run (default 20) */
  circuitThreshold?: number;
}

type SendResult =
  | { kind: "ok"; messageId: string }
  | { kind: "gone"; reason: string }
  | { kind: "defer"; error: unknown };

/** The batch name of a scheduled digest: one per (chat, announcement day). */
export const batchOf = (chat: number, announceDate: string) => `digest:${announceDate}:${chat}`;

/** The batch name of a roll-up (周报, 月报): one per (chat, period). */
export const rollupBatchOf = (chat: number, period: string) => `report:${period}:${chat}`;

function keepPapers(message: RichMessage, keep: ReadonlySet<string>): RichMessage {
  return { ...message, blocks: message.blocks.filter((b) => !b.paperId || keep.has(b.paperId)) };
}

export class DeliveryEngine {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly opts: Required<DeliveryOptions>;
  private readonly gates = new Map<Platform, Semaphore>();
  private readonly consecutiveDeferrals = new Map<Platform, number>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private stopping = false;
  /** Messages confirmed by a platform since this engine was created. */
  messages = 0;

  constructor(
    private readonly deps: DeliveryEngineDeps,
    options: DeliveryOptions = {},
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log ?? silentLogger;
    this.opts = {
      concurrency: options.concurrency ?? 64,
      inFlightPerPlatform: options.inFlightPerPlatform ?? 1,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 1000,
      maxAttempts: options.maxAttempts ?? 12,
      maxDeferMs: options.maxDeferMs ?? 3_600_000,
      circuitThreshold: options.circuitThreshold ?? 20,
    };
  }

  /** Whether this process can deliver to `platform`. */
  canSend(platform: Platform): boolean {
    return this.deps.senders[platform] !== undefined;
  }

  /** Delivers one chat's digest for its announcement day; never throws for a chat's trouble. */
  deliver(digest: DigestToDeliver): Promise<DeliveryOutcome> {
    return this.track(this.deliverOne(digest));
  }

  /** Delivers many digests, `concurrency` chats at a time, pulling them lazily. */
  async deliverAll(
    digests: Iterable<DigestToDeliver> | AsyncIterable<DigestToDeliver>,
  ): Promise<DeliveryReport> {
    const report = emptyReport();
    const messagesBefore = this.messages;
    this.consecutiveDeferrals.clear(); // every run gives each platform a fresh chance
    await runPool(digests, this.opts.concurrency, async (digest) => {
      if (this.stopping) {
        report.stopped++;
        return;
      }
      report.digests++;
      report[await this.deliver(digest)]++;
    });
    report.messages = this.messages - messagesBefore;
    return report;
  }

  /**
   * Resumes deliveries left pending (by a crash, a shutdown or transient trouble) whose next
   * attempt is due: each continues after its last confirmed part.
   */
  async resume(): Promise<DeliveryReport> {
    const report = emptyReport();
    const messagesBefore = this.messages;
    this.consecutiveDeferrals.clear();
    const released = this.deps.outbox.releaseOrphans();
    if (released)
      this.log.warn("released pending outbox rows without an open delivery", { released });
    const open = this.deps.outbox.unfinishedKeys(this.isoNow());
    await runPool(open, this.opts.concurrency, async ({ chat, announceDate }) => {
      if (this.stopping) {
        report.stopped++;
        return;
      }
      report.digests++;
      report[await this.track(this.resumeOne(chat, announceDate))]++;
    });
    report.messages = this.messages - messagesBefore;
    return report;
  }

  /**
   * Graceful stop: no new message starts, backoff waits end, and the messages in flight finish
   * and are recorded. Resolves when nothing is running; pending work resumes on the next start.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort(new Error("delivery engine stopping"));
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    return work.finally(() => this.running.delete(work));
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private gate(platform: Platform): Semaphore {
    let g = this.gates.get(platform);
    if (!g) {
      g = new Semaphore(this.opts.inFlightPerPlatform);
      this.gates.set(platform, g);
    }
    return g;
  }

  private circuitOpen(platform: Platform): boolean {
    return (this.consecutiveDeferrals.get(platform) ?? 0) >= this.opts.circuitThreshold;
  }

  private async deliverOne(digest: DigestToDeliver): Promise<DeliveryOutcome> {
    const { chat, announceDate } = digest;
    const sender = this.deps.senders[chat.platform];
    if (!sender) return "skipped";
    if (this.stopping) return "stopped";
    // A platform that keeps failing is left alone for the rest of this run; nothing was
    // reserved, so the chat is simply due again on the next tick.
    if (this.circuitOpen(chat.platform)) return "deferred";
    const { outbox } = this.deps;
    const at = this.isoNow();
    const batch = batchOf(chat.id, announceDate);
    const parts = outbox.transaction((): RichMessage[] | "already" | "empty" => {
      if (outbox.delivery(chat.id, announceDate)) return "already";
      if (digest.rollup) {
        const split = digest.rollup.messages.flatMap((m) => sender.split(m));
        if (split.length === 0) {
          outbox.recordEmpty(chat.id, announceDate, at);
          return "empty";
        }
        outbox.beginDelivery(
          chat.id,
          announceDate,
          rollupBatchOf(chat.id, announceDate),
          split,
          at,
        );
        return split;
      }
      const reserved = outbox.reserve(chat.id, announceDate, paperIdsOf(digest.message), batch, at);
      const message = keepPapers(digest.message, new Set(reserved));
      if (reserved.length === 0) {
        outbox.recordEmpty(chat.id, announceDate, at);
        return "empty";
      }
      const split = sender.split(message);
      outbox.beginDelivery(chat.id, announceDate, batch, split, at);
      return split;
    });
    if (typeof parts === "string") return parts;
    return this.sendParts(chat, announceDate, parts, 0);
  }

  private async resumeOne(chatId: number, announceDate: string): Promise<DeliveryOutcome> {
    const { outbox, chats } = this.deps;
    const delivery = outbox.delivery(chatId, announceDate);
    if (delivery?.state !== "pending") return "already";
    const chat = chats.byId(chatId);
    if (!chat?.active) {
      outbox.closeChat(chatId, this.isoNow());
      return "gone";
    }
    if (!this.deps.senders[chat.platform]) return "skipped";
    if (this.circuitOpen(chat.platform)) return "deferred";
    if (!delivery.parts) {
      // Nothing to resume from (a chat merge copied the row without its parts).
      outbox.finishDelivery(chatId, announceDate, "failed", "no stored parts", this.isoNow());
      outbox.releaseOrphans();
      return "failed";
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
    const { outbox } = this.deps;
    let current = chat;
    for (let i = from; i < parts.length; i++) {
      if (this.stopping) return "stopped";
      const part = parts[i] as RichMessage;
      const result = await this.sendWithRetry(current, part);
      if (result.kind === "ok") {
        outbox.partSent(
          current.id,
          announceDate,
          i,
          parts.length,
          paperIdsOf(part),
          result.messageId,
          this.isoNow(),
        );
        this.messages++;
        this.consecutiveDeferrals.set(current.platform, 0);
        current = this.deps.chats.byId(current.id) ?? current;
        continue;
      }
      if (result.kind === "gone") {
        this.deps.chats.setActive(current.id, false);
        const dropped = outbox.closeChat(current.id, this.isoNow());
        this.log.warn("chat is gone: deactivated", {
          chat: current.id,
          platform: current.platform,
          reason: result.reason,
          dropped,
        });
        return "gone";
      }
      return this.defer(current, announceDate, parts.slice(i), result.error);
    }
    return "sent";
  }

  /** Leaves the delivery pending for a later tick, or gives up after maxAttempts. */
  private defer(
    chat: Chat,
    announceDate: string,
    unsent: RichMessage[],
    error: unknown,
  ): DeliveryOutcome {
    const { outbox } = this.deps;
    if (this.stopping) return "stopped";
    const platform = chat.platform;
    this.consecutiveDeferrals.set(platform, (this.consecutiveDeferrals.get(platform) ?? 0) + 1);
    const attempts = (outbox.delivery(chat.id, announceDate)?.attempts ?? 0) + 1;
    const text = describeError(error);
    if (attempts >= this.opts.maxAttempts) {
      outbox.transaction(() => {
        outbox.markFailed(chat.id, unsent.flatMap(paperIdsOf));
        outbox.finishDelivery(chat.id, announceDate, "failed", text, this.isoNow());
      });
      this.log.error("delivery failed for good", {
        chat: chat.id,
        announceDate,
        attempts,
        error: text,
      });
      return "failed";
    }
    const wait = Math.min(this.opts.maxDeferMs, 60_000 * 2 ** (attempts - 1));
    outbox.deferDelivery(
      chat.id,
      announceDate,
      new Date(this.clock.now() + wait).toISOString(),
      text,
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

  private async sendWithRetry(chat: Chat, part: RichMessage): Promise<SendResult> {
    const sender = this.deps.senders[chat.platform] as Sender;
    let address = {
      platform: chat.platform,
      chatId: chat.chatId,
      type: chat.type,
      title: chat.title ?? undefined,
    };
    let migrations = 0;
    for (let attempt = 0; ; ) {
      try {
        const messageId = await this.gate(chat.platform).run(() => sender.sendPart(address, part));
        return { kind: "ok", messageId };
      } catch (error) {
        if (error instanceof ChatGoneError) return { kind: "gone", reason: error.reason };
        if (error instanceof ChatMigratedError && migrations++ < 3) {
          const moved = this.deps.chats.migrateChatId(chat.platform, error.chatId, error.newChatId);
          this.log.info("chat migrated", { chat: chat.id, to: error.newChatId });
          address = { ...address, chatId: moved?.chatId ?? error.newChatId };
          continue;
        }
        if (
          !(error instanceof TransientSendError) ||
          attempt >= this.opts.retries ||
          this.stopping
        ) {
          return { kind: "defer", error };
        }
        const wait = error.retryAfterMs ?? this.opts.backoffMs * 2 ** attempt;
        attempt++;
        try {
          await this.clock.sleep(wait, this.abort.signal);
        } catch {
          return { kind: "defer", error };
        }
      }
    }
  }
}
