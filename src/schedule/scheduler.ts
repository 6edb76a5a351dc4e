/**
 * The daemon's schedule: ingest after each arXiv announcement, summarise right after, and
 * deliver each chat its digest at its own time in its own time zone.
 *
 * node-cron only triggers. Every decision is made in `tick()` from the clock and the store, so
 * tests drive a simulated week with a ManualClock and no cron, and a restart simply ticks and
 * catches up: a missed announcement is ingested, and a chat whose time passed while the bot
 * was down gets that day's digest once (deliveries are recorded per chat and day).
 *
 * When a chat gets a day's digest: at its first HH:MM (its time zone) at or after arXiv
 * published the announcement (20:00 New York), or, if sudi was still ingesting and summarising
 * at that moment, as soon as the day is ready. Only the newest ready day is delivered.
 */
import { hostname } from "node:os";
import cron, { type ScheduledTask } from "node-cron";
import {
  ANNOUNCE_HOUR,
  ARXIV_HOLIDAYS,
  ARXIV_TIMEZONE,
  announcementAt,
  isMailingDate,
  latestAnnouncementAt,
} from "../arxiv/calendar.ts";
import { EmptyFeedError } from "../arxiv/errors.ts";
import type { Clock } from "../core/clock.ts";
import { addDays, nextDailyAt, wallTime } from "../core/zoned-time.ts";
import type { DeliveryEngine, DeliveryReport, DigestToDeliver } from "../deliver/engine.ts";
import { addReports, emptyReport } from "../deliver/engine.ts";
import { describeError, type Logger, silentLogger } from "../log.ts";
import type { Chat } from "../store/chats.ts";
import type { OutboxStore } from "../store/outbox.ts";
import type { ScheduleStore } from "../store/schedule.ts";

/** What one ingest run reports (src/arxiv/ingest.ts's result fits). */
export interface IngestOutcome {
  announceDate: string;
  newCount: number;
  crossCount: number;
}

/** What one summarise run reports. */
export interface SummariseOutcome {
  cards: number;
  tokens: number;
  failures: number;
}

/** The pipeline stages the scheduler drives; src/schedule/wiring.ts builds the real ones. */
export interface Pipeline {
  /** the newest announcement day in the store, or null when empty */
  latestIngested(): string | null;
  /** ingests what the feed shows now, or back-fills `date`; EmptyFeedError when empty */
  ingest(date?: string): Promise<IngestOutcome>;
  /** writes missing cards; never blocks a digest (fallback cards) */
  summarise(): Promise<SummariseOutcome>;
}

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

export interface SchedulerDeps {
  clock: Clock;
  log?: Logger;
  pipeline: Pipeline;
  digests: DigestSource;
  engine: DeliveryEngine;
  chats: { listActive(): Chat[] };
  outbox: OutboxStore;
  store: ScheduleStore;
  /** 周报/月报; without it, only daily digests are delivered */
  rollups?: RollupSource;
}

export interface SchedulerOptions {
  /** first ingest attempt this long after 20:00 New York (default 5 min) */
  ingestDelayMs?: number;
  /** retry a late or empty feed this often (default 5 min) */
  retryEveryMs?: number;
  /** after this long past 20:00, log one failure and retry only hourly (default 3 h) */
  giveUpAfterMs?: number;
  /** the slow retry interval after giving up (default 1 h) */
  slowRetryEveryMs?: number;
  /** missed mailings to back-fill after downtime, newest first (default 3) */
  catchUpDays?: number;
  /** chats whose digests are built at once (default 200): bounds memory at any fan-out */
  chunkSize?: number;
  /** mailing dates without announcement (default ARXIV_HOLIDAYS) */
  holidays?: Iterable<string>;
  /** who this process is, for the delivery lease (default hostname:pid) */
  owner?: string;
  /** a delivery lease not renewed for this long is taken over (default 3 min) */
  leaseTtlMs?: number;
}

/** One tick's work, also logged as the run summary line. */
export interface RunSummary {
  announceDate: string | null;
  papersIngested: number;
  cardsWritten: number;
  tokensUsed: number;
  digestsSent: number;
  messagesSent: number;
  failures: number;
  delivery: DeliveryReport;
}

const emptySummary = (): RunSummary => ({
  announceDate: null,
  papersIngested: 0,
  cardsWritten: 0,
  tokensUsed: 0,
  digestsSent: 0,
  messagesSent: 0,
  failures: 0,
  delivery: emptyReport(),
});

function isEmptyFeed(error: unknown): boolean {
  return error instanceof EmptyFeedError;
}

export const HEARTBEAT_KEY = "heartbeat";
/** Only one process delivers from a database at a time (sudi start and a cron run-once, say). */
export const DELIVERY_LEASE_KEY = "delivery_lease";

/** Whether the process holding a lease ("host:pid") is known to be dead (same host only). */
function holderGone(holder: string): boolean {
  const at = holder.lastIndexOf(":");
  const pid = Number(holder.slice(at + 1));
  if (holder.slice(0, at) !== hostname()) return false;
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
export const LAST_RUN_KEY = "last_run";

export class Scheduler {
  private readonly log: Logger;
  private readonly opts: Required<Omit<SchedulerOptions, "holidays">>;
  private leaseWarned = false;
  private readonly holidays: Set<string>;
  private readonly lastIngestAttempt = new Map<string, number>();
  private readonly dueCache = new Map<string, number>();
  private tasks: ScheduledTask[] = [];
  private pipelineRun: Promise<RunSummary> | null = null;
  private deliveryRun: Promise<DeliveryReport> | null = null;
  private deliveryAgain = false;
  private stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    options: SchedulerOptions = {},
  ) {
    this.log = deps.log ?? silentLogger;
    this.holidays = new Set(options.holidays ?? ARXIV_HOLIDAYS);
    this.opts = {
      ingestDelayMs: options.ingestDelayMs ?? 5 * 60_000,
      retryEveryMs: options.retryEveryMs ?? 5 * 60_000,
      giveUpAfterMs: options.giveUpAfterMs ?? 3 * 3_600_000,
      slowRetryEveryMs: options.slowRetryEveryMs ?? 3_600_000,
      catchUpDays: options.catchUpDays ?? 3,
      chunkSize: options.chunkSize ?? 200,
      owner: options.owner ?? `${hostname()}:${process.pid}`,
      leaseTtlMs: options.leaseTtlMs ?? 3 * 60_000,
    };
  }

  /**
   * Starts the cron triggers: the pipeline shortly after 20:00 New York, Sunday to Thursday,
   * and a tick every minute (deliveries, retries, catch-up). Ticks once at once, to catch up.
   */
  start(): Promise<RunSummary> {
    const minute = Math.round(this.opts.ingestDelayMs / 60_000) % 60;
    this.tasks = [
      cron.schedule(`${minute} ${ANNOUNCE_HOUR} * * 0-4`, () => this.safeTick(), {
        timezone: ARXIV_TIMEZONE,
        name: "sudi-ingest",
      }),
      // No noOverlap: tick() guards each step itself, so a long fan-out never holds back an
      // ingest retry, and vice versa.
      cron.schedule("* * * * *", () => this.safeTick(), { name: "sudi-tick" }),
    ];
    return this.tick();
  }

  /** A tick for the cron triggers: a failure is logged, and the next minute tries again. */
  private async safeTick(): Promise<void> {
    try {
      await this.tick();
    } catch (error) {
      this.log.error("scheduler tick failed", { error: describeError(error) });
    }
  }

  /**
   * Stops the triggers and the delivery engine (the message in flight finishes and is
   * recorded), then waits for a running ingest or summarise to end, up to `graceMs`.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    await Promise.all(this.tasks.map((t) => t.stop()));
    await Promise.all(this.tasks.map((t) => t.destroy()));
    this.tasks = [];
    await this.deps.engine.stop();
    await this.deliveryRun?.catch(() => undefined);
    this.deps.store.releaseLease(DELIVERY_LEASE_KEY, this.opts.owner);
    if (this.pipelineRun) {
      await Promise.race([
        this.pipelineRun.catch(() => undefined),
        new Promise((r) => setTimeout(r, graceMs).unref()),
      ]);
    }
  }

  /**
   * One round of decisions: ingest and summarise if an announcement is due or missed, then
   * deliver every chat whose digest is due. Safe to call at any time and as often as wanted:
   * a step already running is not started twice.
   */
  async tick(): Promise<RunSummary> {
    if (this.stopped) return emptySummary();
    // The heartbeat is written at the start: a tick waiting on a long fan-out is still alive.
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.setState(HEARTBEAT_KEY, at, at);
    const deliveryDone = this.runDelivery();
    const pipeline = await this.runPipeline();
    let delivery = await deliveryDone;
    // A day that just became ready goes out in the same tick.
    if (pipeline.announceDate) delivery = addReports(delivery, await this.runDelivery());
    return this.summarise(pipeline, delivery);
  }

  /**
   * `sudi run-once`: ingest and summarise if an announcement is due or missed, then deliver
   * the newest ready day to every active, unpaused chat that has not had it, whatever its
   * /settime (the cron line that runs run-once is the delivery time) unless
   * `respectChatTimes`. Pending deliveries of earlier runs are resumed first.
   */
  async runOnce(options: { respectChatTimes?: boolean } = {}): Promise<RunSummary> {
    const pipeline = await this.runPipeline();
    this.ignoreChatTimes = !options.respectChatTimes;
    try {
      return this.summarise(pipeline, await this.runDelivery(), true);
    } finally {
      this.ignoreChatTimes = false;
    }
  }

  private ignoreChatTimes = false;

  /** Builds, logs and records the run summary line. */
  private summarise(pipeline: RunSummary, delivery: DeliveryReport, always = false): RunSummary {
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.setState(HEARTBEAT_KEY, at, at);
    const summary: RunSummary = {
      ...pipeline,
      digestsSent: delivery.sent,
      messagesSent: delivery.messages,
      failures: pipeline.failures + delivery.failed + delivery.gone + delivery.deferred,
      delivery,
    };
    if (always || this.didWork(summary)) {
      const { delivery: _unused, ...line } = summary;
      this.log.info("run", line);
      this.deps.store.setState(LAST_RUN_KEY, JSON.stringify(line), at);
    }
    return summary;
  }

  private didWork(s: RunSummary): boolean {
    return (
      s.papersIngested > 0 ||
      s.cardsWritten > 0 ||
      s.announceDate !== null ||
      s.failures > 0 ||
      s.delivery.digests > 0
    );
  }

  /** The pipeline step, never two at once (a tick during a long ingest does not wait for it). */
  private runPipeline(): Promise<RunSummary> {
    if (this.pipelineRun) return Promise.resolve(emptySummary());
    const run = this.pipelineStep()
      .catch((error) => {
        this.log.error("pipeline step failed", { error: describeError(error) });
        return { ...emptySummary(), failures: 1 };
      })
      .finally(() => {
        this.pipelineRun = null;
      });
    this.pipelineRun = run;
    return run;
  }

  /** The delivery step, never two at once; a call while one runs makes it run once more. */
  private runDelivery(): Promise<DeliveryReport> {
    if (this.deliveryRun) {
      this.deliveryAgain = true;
      return Promise.resolve(emptyReport());
    }
    // A long fan-out keeps renewing the lease, so no other process takes it over meanwhile.
    const renew = setInterval(() => this.holdsLease(), this.opts.leaseTtlMs / 3);
    renew.unref();
    const run = (async () => {
      let report = emptyReport();
      do {
        this.deliveryAgain = false;
        try {
          report = addReports(report, await this.deliveryStep());
        } catch (error) {
          // e.g. a digest that cannot be built: logged, and the next tick tries again
          this.log.error("delivery step failed", { error: describeError(error) });
          report.failed++;
        }
      } while (this.deliveryAgain && !this.stopped);
      return report;
    })().finally(() => {
      clearInterval(renew);
      this.deliveryRun = null;
    });
    this.deliveryRun = run;
    return run;
  }

  private async pipelineStep(): Promise<RunSummary> {
    const summary = emptySummary();
    const { pipeline, store, clock } = this.deps;
    const now = clock.now();
    const expected = latestAnnouncementAt(now, this.holidays);
    const before = pipeline.latestIngested();
    if ((!before || before < expected.announceDate) && this.ingestDue(expected, now)) {
      this.lastIngestAttempt.set(expected.announceDate, now);
      try {
        const r = await pipeline.ingest();
        summary.papersIngested += r.newCount + r.crossCount;
        if (r.announceDate < expected.announceDate) {
          this.late(expected, now, `the feed still shows ${r.announceDate}`);
        } else {
          this.log.info("ingested", {
            announceDate: r.announceDate,
            new: r.newCount,
            cross: r.crossCount,
          });
          summary.papersIngested += await this.backfill(before, r.announceDate);
        }
      } catch (error) {
        this.late(expected, now, isEmptyFeed(error) ? "the feed is empty" : describeError(error));
        if (!isEmptyFeed(error)) summary.failures++;
      }
    } else if (
      this.isHolidayEvening(now) &&
      !this.lastIngestAttempt.has(`probe:${expected.announceDate}`)
    ) {
      // A holiday per our table: one look at the feed, in case arXiv announced after all.
      this.lastIngestAttempt.set(`probe:${expected.announceDate}`, now);
      try {
        const r = await pipeline.ingest();
        summary.papersIngested += r.newCount + r.crossCount;
      } catch (error) {
        this.log.debug("holiday probe found nothing new", { error: describeError(error) });
      }
    }
    const latest = pipeline.latestIngested();
    if (latest && !store.summarisedAt(latest)) {
      summary.announceDate = latest;
      let note: string | null = null;
      try {
        const s = await pipeline.summarise();
        summary.cardsWritten += s.cards;
        summary.tokensUsed += s.tokens;
        summary.failures += s.failures;
      } catch (error) {
        // Cards are an improvement, never a gate: the digest goes out with fallback cards.
        note = `summarise failed: ${describeError(error)}`;
        this.log.error("summarise failed; delivering with fallback cards", {
          announceDate: latest,
          error: note,
        });
        summary.failures++;
      }
      store.markSummarised(latest, new Date(clock.now()).toISOString(), note);
    }
    return summary;
  }

  private isHolidayEvening(now: number): boolean {
    const ny = wallTime(now, ARXIV_TIMEZONE);
    const tomorrow = addDays(ny.date, 1);
    const evening = ny.hour >= ANNOUNCE_HOUR && ny.weekday >= 0 && ny.weekday <= 4;
    return (
      evening &&
      this.holidays.has(tomorrow) &&
      now >= announcementAt(tomorrow) + this.opts.ingestDelayMs
    );
  }

  private ingestDue(expected: { announceDate: string; at: number }, now: number): boolean {
    if (now < expected.at + this.opts.ingestDelayMs) return false;
    const last = this.lastIngestAttempt.get(expected.announceDate);
    if (last === undefined) return true;
    const slow = now >= expected.at + this.opts.giveUpAfterMs;
    return now - last >= (slow ? this.opts.slowRetryEveryMs : this.opts.retryEveryMs);
  }

  /** The expected announcement is not there yet: retry later; past the bound, say so once. */
  private late(expected: { announceDate: string; at: number }, now: number, reason: string): void {
    const { store } = this.deps;
    if (now >= expected.at + this.opts.giveUpAfterMs) {
      if (!store.ingestFailedAt(expected.announceDate)) {
        store.markIngestFailed(expected.announceDate, new Date(now).toISOString(), reason);
        // A feed that does not move on may be a holiday missing from the calendar; a network or
        // HTTP error is just that, and the reason says which.
        const hint = reason.startsWith("the feed") ? " (a holiday missing from the calendar?)" : "";
        this.log.error(`announcement still not available; retrying hourly${hint}`, {
          announceDate: expected.announceDate,
          reason,
        });
      }
      return;
    }
    this.log.info("announcement not available yet; will retry", {
      announceDate: expected.announceDate,
      reason,
      retryInMs: this.opts.retryEveryMs,
    });
  }

  /** After downtime: back-fills the mailings between the last one stored and the new one. */
  private async backfill(before: string | null, latest: string): Promise<number> {
    if (!before) return 0;
    const missed: string[] = [];
    for (
      let d = addDays(latest, -1);
      d > before && missed.length < this.opts.catchUpDays;
      d = addDays(d, -1)
    ) {
      if (isMailingDate(d, this.holidays)) missed.push(d);
    }
    let papers = 0;
    for (const date of missed) {
      try {
        const r = await this.deps.pipeline.ingest(date);
        papers += r.newCount + r.crossCount;
        this.log.info("caught up a missed announcement", {
          announceDate: date,
          papers: r.newCount + r.crossCount,
        });
      } catch (error) {
        this.log.warn("could not back-fill a missed announcement", {
          announceDate: date,
          error: describeError(error),
        });
      }
    }
    return papers;
  }

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

  /** Takes or renews the delivery lease; says once when another live process holds it. */
  private holdsLease(): boolean {
    const { store, clock } = this.deps;
    const held = store.acquireLease(
      DELIVERY_LEASE_KEY,
      this.opts.owner,
      clock.now(),
      this.opts.leaseTtlMs,
      holderGone,
    );
    if (!held && !this.leaseWarned) {
      this.log.warn("another sudi process is delivering from this database; not delivering here", {
        holder: store.getState(DELIVERY_LEASE_KEY)?.value,
      });
    }
    this.leaseWarned = !held;
    return held;
  }

  private async deliveryStep(): Promise<DeliveryReport> {
    const { engine, store, clock } = this.deps;
    if (!this.holdsLease()) return emptyReport();
    let report = await engine.resume();
    const ready = store.latestReady();
    if (!ready || this.stopped) return report;
    const due = this.dueChats(
      ready.announceDate,
      Date.parse(ready.summarisedAt),
      clock.now(),
      this.ignoreChatTimes,
    );
    if (due.length > 0) {
      this.log.info("delivering", { announceDate: ready.announceDate, chats: due.length });
      report = addReports(report, await engine.deliverAll(this.digestsOf(due, ready.announceDate)));
    }
    if (this.deps.rollups && !this.stopped) {
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
      if (this.stopped) return;
      this.log.info("delivering a report", { chat: r.chat.id, period: r.period.key });
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
    for (let i = 0; i < chats.length && !this.stopped; i += this.opts.chunkSize) {
      const chunk = chats.slice(i, i + this.opts.chunkSize);
      const digests = await this.deps.digests.forChats(chunk, announceDate);
      const having = new Set(digests.map((d) => d.chat.id));
      const at = new Date(this.deps.clock.now()).toISOString();
      for (const chat of chunk) {
        if (!having.has(chat.id)) this.deps.outbox.recordEmpty(chat.id, announceDate, at);
      }
      yield* digests;
    }
  }
}
