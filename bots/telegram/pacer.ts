/**
 * Pacing of outgoing messages under Telegram's limits (about 1 message/s per chat, 20/min per
 * group, about 30/s per bot), so a broadcast causes few or no 429s. Each limit is a token
 * bucket (GCRA: one "theoretical arrival time" per key); a send waits until every bucket it
 * touches has a token. Waiting sends queue FIFO in two lanes, interactive replies before bulk
 * deliveries, so a /paper answer never waits behind a broadcast, and a chat that must wait
 * never holds up the others.
 */
import { type Clock, wokenBy } from "../../src/core/clock.ts";

export interface Rate {
  /** tokens added per second */
  perSecond: number;
  /** bucket size: how many may go at once after a quiet time (at least 1) */
  burst: number;
}

export interface PaceLimits {
  /** all messages of the bot */
  global: Rate;
  /** each chat (private, group or channel) */
  chat: Rate;
  /** each group or channel, on top of `chat` */
  group: Rate;
}

/**
 * Under Telegram's figures in every window, not just on average, so 429s stay exceptions: a
 * bucket lets `burst` go at once and then `perSecond`, so at most burst + perSecond × window
 * messages fall in any window. Bot: 28/s with a burst of 2, so a timer that fires late does
 * not lose its turn (at most 30 in any second, Telegram's limit). Chat: 1/s. Group: a burst of
 * 4 for quick replies, then 16/min (at most 20 in any minute).
 */
export const TELEGRAM_PACE: PaceLimits = {
  global: { perSecond: 28, burst: 2 },
  chat: { perSecond: 1, burst: 1 },
  group: { perSecond: 16 / 60, burst: 4 },
};

export type Lane = "interactive" | "bulk";

export class PacerClosedError extends Error {
  constructor() {
    super("the Telegram pacer was closed");
    this.name = "PacerClosedError";
  }
}

/** Token buckets for many keys, one number each; full buckets are forgotten. */
class Buckets {
  private readonly interval: number;
  private readonly tolerance: number;
  private readonly tat = new Map<string, number>();
  private sweepAt = 4096;

  constructor(rate: Rate) {
    if (!(rate.perSecond > 0) || !(rate.burst >= 1)) {
      throw new RangeError(`invalid rate: ${rate.perSecond}/s, burst ${rate.burst}`);
    }
    this.interval = 1000 / rate.perSecond;
    this.tolerance = (rate.burst - 1) * this.interval;
  }

  /** When `key` has a token again (`now` if it has one). */
  readyAt(key: string, now: number): number {
    const tat = this.tat.get(key);
    return tat === undefined ? now : Math.max(now, tat - this.tolerance);
  }

  take(key: string, now: number): void {
    this.tat.set(key, Math.max(this.tat.get(key) ?? now, now) + this.interval);
    if (this.tat.size > this.sweepAt) {
      for (const [k, t] of this.tat) if (t <= now) this.tat.delete(k);
      this.sweepAt = Math.max(4096, this.tat.size * 2);
    }
  }

  /** No token for `key` before `until` (Telegram told us to wait). */
  hold(key: string, until: number): void {
    this.tat.set(key, Math.max(this.tat.get(key) ?? 0, until + this.tolerance));
  }
}

interface Waiter {
  chatId: string;
  group: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A FIFO that also lets the scan remove from the middle, in O(1) (tombstones). */
class WaitQueue {
  private items: (Waiter | undefined)[] = [];
  private head = 0;
  count = 0;

  push(w: Waiter): void {
    this.items.push(w);
    this.count++;
  }

  *scan(): Generator<[number, Waiter]> {
    for (let i = this.head; i < this.items.length; i++) {
      const w = this.items[i];
      if (w) yield [i, w];
    }
  }

  remove(i: number): void {
    this.items[i] = undefined;
    this.count--;
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++;
  }

  /** Drops the tombstones before the head; never during a scan (it renumbers). */
  compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  drain(): Waiter[] {
    const all = this.items.filter((w): w is Waiter => w !== undefined);
    this.items = [];
    this.head = 0;
    this.count = 0;
    return all;
  }
}

export class Pacer {
  private readonly global: Buckets;
  private readonly chat: Buckets;
  private readonly group: Buckets;
  private readonly lanes: Record<Lane, WaitQueue> = {
    interactive: new WaitQueue(),
    bulk: new WaitQueue(),
  };
  private running = false;
  private wakeAt = Number.POSITIVE_INFINITY;
  private wake: AbortController | undefined;
  private closed = false;

  constructor(
    limits: PaceLimits,
    private readonly clock: Clock,
  ) {
    this.global = new Buckets(limits.global);
    this.chat = new Buckets(limits.chat);
    this.group = new Buckets(limits.group);
  }

  /** Resolves when a message to `chatId` may go; `group` for groups and channels. */
  acquire(chatId: string, group: boolean, lane: Lane = "bulk"): Promise<void> {
    if (this.closed) return Promise.reject(new PacerClosedError());
    return new Promise((resolve, reject) => {
      this.lanes[lane].push({ chatId, group, resolve, reject });
      this.schedule(this.pump());
    });
  }

  /**
   * Milliseconds until a message to `chatId` has its chat's (and group's) token, ignoring the
   * bot-wide bucket: the delivery engine waits this out before it takes an in-flight slot.
   */
  readyIn(chatId: string, group: boolean): number {
    const now = this.clock.now();
    const at = Math.max(
      this.chat.readyAt(chatId, now),
      group ? this.group.readyAt(chatId, now) : now,
    );
    return Math.max(0, at - now);
  }

  /** Telegram answered 429 for `chatId`: nothing goes there for `ms`. */
  hold(chatId: string, ms: number): void {
    this.chat.hold(chatId, this.clock.now() + ms);
  }

  /** How many sends are waiting. */
  get waiting(): number {
    return this.lanes.interactive.count + this.lanes.bulk.count;
  }

  /** Rejects every waiting send with PacerClosedError and refuses new ones. */
  close(): void {
    this.closed = true;
    this.wake?.abort();
    const error = new PacerClosedError();
    for (const w of [...this.lanes.interactive.drain(), ...this.lanes.bulk.drain()])
      w.reject(error);
  }

  /** Lets every waiter go that may; returns when the next one could (Infinity: none waits). */
  private pump(): number {
    const next = this.grant(this.clock.now());
    this.lanes.interactive.compact();
    this.lanes.bulk.compact();
    return next;
  }

  private grant(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const queue of [this.lanes.interactive, this.lanes.bulk]) {
      for (const [i, w] of queue.scan()) {
        const globalAt = this.global.readyAt("", now);
        if (globalAt > now) return Math.min(next, globalAt);
        const at = Math.max(
          this.chat.readyAt(w.chatId, now),
          w.group ? this.group.readyAt(w.chatId, now) : now,
        );
        if (at > now) {
          next = Math.min(next, at);
          continue;
        }
        this.global.take("", now);
        this.chat.take(w.chatId, now);
        if (w.group) this.group.take(w.chatId, now);
        queue.remove(i);
        w.resolve();
      }
    }
    return next;
  }

  private schedule(next: number): void {
    if (next === Number.POSITIVE_INFINITY || this.closed) return;
    if (this.running) {
      if (next < this.wakeAt) this.wake?.abort();
      return;
    }
    void this.loop(next);
  }

  private async loop(first: number): Promise<void> {
    this.running = true;
    let next = first;
    try {
      while (!this.closed && next !== Number.POSITIVE_INFINITY) {
        this.wakeAt = next;
        const wake = new AbortController();
        this.wake = wake;
        await this.clock.sleep(next - this.clock.now(), wake.signal).catch(wokenBy(wake.signal));
        if (this.closed) break;
        next = this.pump();
      }
    } finally {
      this.running = false;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.wake = undefined;
    }
  }
}
