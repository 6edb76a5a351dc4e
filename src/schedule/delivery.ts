/**
 * Which chats get which digest now, handed to the delivery engine: each chat gets the newest
 * ready announcement at its first HH:MM (its time zone) at or after arXiv published it, or as
 * soon as the day is ready if that was later. Pending deliveries of earlier runs are resumed
 * first. Digests are built chunk by chunk as the engine pulls them, so memory stays flat at
 * any fan-out.
 */

import { announcementAt } from "../arxiv/calendar.ts";
import type { Clock } from "../core/clock.ts";
import { nextDailyAt } from "../core/zoned-time.ts";
import type { DeliveryEngine, DeliveryReport, DigestToDeliver } from "../deliver/engine.ts";
import { addReports } from "../deliver/engine.ts";
import type { Logger } from "../log.ts";
import type { Chat } from "../store/chats.ts";
import type { OutboxStore } from "../store/outbox.ts";
import type { ScheduleStore } from "../store/schedule.ts";

/** Builds digests for a batch of chats (DigestService.forChats fits). */
export interface DigestSource {
  forChats(chats: Chat[], announceDate: string): DigestToDeliver[] | Promise<DigestToDeliver[]>;
}

/** 周报 and 月报 (src/reports' ReportService fits, through the wiring). */
export interface RollupSource {
  /** chats that receive any roll-up (the only ones looked at each minute) */
  candidates(): Set<number>;
  /** chats that asked not to receive the daily digest */
  chatsWithoutDaily(): Set<number>;
  /** roll-ups due at `now`, built lazily; `done` says a (chat, period) has a delivery record */
  due(
    chats: Chat[],
    now: number,
    done: (chat: number, key: string) => boolean,
    readyThrough: string | null,
  ): AsyncIterable<{ chat: Chat; period: { key: string }; messages: DigestToDeliver["message"][] }>;
}

export interface DeliveryPlanDeps {
  clock: Clock;
  log: Logger;
  digests: DigestSource;
  engine: DeliveryEngine;
  chats: { listActive(): Chat[] };
  outbox: OutboxStore;
  store: ScheduleStore;
  /** 周报/月报; without it, only daily digests are delivered */
  rollups?: RollupSource;
}

export class DeliveryPlan {
  private readonly dueCache = new Map<string, number>();

  constructor(
    private readonly deps: DeliveryPlanDeps,
    /** chats whose digests are built at once: bounds memory at any fan-out */
    private readonly chunkSize: number,
    private readonly stopped: () => boolean,
  ) {}

  /** The instant a chat's digest of `announceDate` is due (cached per zone, time and day). */
  dueAt(chat: Pick<Chat, "timezone" | "digestTime">, announceDate: string): number {
    const key = `${chat.timezone}|${chat.digestTime}|${announceDate}`;
    let due = this.dueCache.get(key);
    if (due === undefined) {
      due = nextDailyAt(announcementAt(announceDate), chat.digestTime, chat.timezone);
      if (this.dueCache.size > 10_000) this.dueCache.clear();
      this.dueCache.set(key, due);
    }
    return due;
  }

  /** Active, unpaused chats that can be sent to, are due and have no record for the day. */
  dueChats(announceDate: string, readyAt: number, now: number, ignoreTimes = false): Chat[] {
    if (now < readyAt && !ignoreTimes) return [];
    const done = this.deps.outbox.deliveredChats(announceDate);
    const noDaily = this.deps.rollups?.chatsWithoutDaily() ?? new Set<number>();
    return this.deps.chats
      .listActive()
      .filter(
        (c) =>
          !c.paused &&
          !done.has(c.id) &&
          !noDaily.has(c.id) &&
          this.deps.engine.canSend(c.platform) &&
          (ignoreTimes || this.dueAt(c, announceDate) <= now),
      );
  }

  /**
   * Resumes what is pending, then delivers the newest ready day to every due chat, then the
   * 周报/月报 that are due.
   */
  async run(ignoreChatTimes: boolean): Promise<DeliveryReport> {
    const { engine, store, clock } = this.deps;
    let report = await engine.resume();
    const ready = store.latestReady();
    if (!ready || this.stopped() || engine.halted) return report;
    const due = this.dueChats(
      ready.announceDate,
      Date.parse(ready.summarisedAt),
      clock.now(),
      ignoreChatTimes,
    );
    if (due.length > 0) {
      this.deps.log.info("delivering", { announceDate: ready.announceDate, chats: due.length });
      report = addReports(report, await engine.deliverAll(this.digestsOf(due, ready.announceDate)));
    }
    if (this.deps.rollups && !this.stopped() && !engine.halted) {
      report = addReports(report, await engine.deliverAll(this.rollupsOf(ready.announceDate)));
    }
    return report;
  }

  /** 周报/月报 due now, as deliveries of their own (keyed by period, exactly once). */
  private async *rollupsOf(readyThrough: string): AsyncGenerator<DigestToDeliver> {
    const rollups = this.deps.rollups;
    if (!rollups) return;
    const ids = rollups.candidates();
    if (ids.size === 0) return;
    const chats = this.deps.chats
      .listActive()
      .filter((c) => ids.has(c.id) && !c.paused && this.deps.engine.canSend(c.platform));
    const done = (chat: number, key: string) => this.deps.outbox.delivery(chat, key) !== undefined;
    for await (const r of rollups.due(chats, this.deps.clock.now(), done, readyThrough)) {
      if (this.stopped()) return;
      this.deps.log.info("delivering a report", { chat: r.chat.id, period: r.period.key });
      yield {
        chat: r.chat,
        announceDate: r.period.key,
        message: r.messages[0] ?? { blocks: [] },
        rollup: { messages: r.messages },
      };
    }
  }

  /** Digests built chunk by chunk as the engine pulls them; chats with nothing are recorded. */
  private async *digestsOf(chats: Chat[], announceDate: string): AsyncGenerator<DigestToDeliver> {
    for (let i = 0; i < chats.length && !this.stopped(); i += this.chunkSize) {
      const chunk = chats.slice(i, i + this.chunkSize);
      const digests = await this.deps.digests.forChats(chunk, announceDate);
      const having = new Set(digests.map((d) => d.chat.id));
      const at = new Date(this.deps.clock.now()).toISOString();
      try {
        for (const chat of chunk) {
          if (!having.has(chat.id)) this.deps.outbox.recordEmpty(chat.id, announceDate, at);
        }
      } catch (error) {
        this.deps.engine.halt("the outbox ledger could not be written (record empty)", error);
        return;
      }
      yield* digests;
    }
  }
}
