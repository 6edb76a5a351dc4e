/**
 * The daemon's tick: ingest after each arXiv announcement, summarise right after, and deliver
 * each chat its digest at its own time in its own time zone.
 *
 * node-cron only triggers. Every decision is made in `tick()` from the clock and the store, so
 * tests drive a simulated week with a ManualClock and no cron, and a restart simply ticks and
 * catches up: a missed announcement is ingested, and a chat whose time passed while the bot
 * was down gets that day's digest once (deliveries are recorded per chat and day).
 *
 * One concept a file: when to ingest (ingest-policy.ts), who gets what now (delivery.ts), who
 * may deliver (lease.ts); this file runs them and writes the run summary line.
 */
import cron, { type ScheduledTask } from "node-cron";
import { ANNOUNCE_HOUR, ARXIV_HOLIDAYS, ARXIV_TIMEZONE } from "../arxiv/calendar.ts";
import type { Clock } from "../core/clock.ts";
import { metrics } from "../core/metrics.ts";
import type { DeliveryEngine, DeliveryReport } from "../deliver/engine.ts";
import { addReports, emptyReport } from "../deliver/engine.ts";
import { describeError, type Logger, silentLogger } from "../log.ts";
import type { Chat } from "../store/chats.ts";
import type { DeliveryStore } from "../store/deliveries.ts";
import type { ScheduleStore } from "../store/schedule.ts";
import { DeliveryPlan, type DigestSource, type RollupSource } from "./delivery.ts";
import {
  emptyPipelineSummary,
  IngestPolicy,
  type Pipeline,
  type PipelineSummary,
} from "./ingest-policy.ts";
import { DeliveryLease } from "./lease.ts";

export type { DigestSource, RollupSource } from "./delivery.ts";
export type { IngestOutcome, Pipeline, SummariseOutcome } from "./ingest-policy.ts";
export { DELIVERY_LEASE_KEY } from "./lease.ts";

export interface SchedulerDeps {
  clock: Clock;
  log?: Logger;
  pipeline: Pipeline;
  digests: DigestSource;
  engine: DeliveryEngine;
  chats: { listActive(): Chat[] };
  deliveries: DeliveryStore;
  store: ScheduleStore;
  /** 周报/月报; without it, only daily digests are delivered */
  rollups?: RollupSource;
  /** the weekly store maintenance (src/store/maintenance.ts), run Saturdays 04:30 New York */
  maintenance?: () => void;
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
  /** how long run-once waits for another process's delivery run to end (default 15 min) */
  leaseWaitMs?: number;
}

/** One tick's work, also logged as the run summary line. */
export interface RunSummary extends PipelineSummary {
  digestsSent: number;
  /** messages the platforms confirmed, recorded in the ledger or not */
  messagesSent: number;
  /** sends whose answer was lost: each may show twice */
  uncertain: number;
  delivery: DeliveryReport;
}

const emptySummary = (): RunSummary => ({
  ...emptyPipelineSummary(),
  digestsSent: 0,
  messagesSent: 0,
  uncertain: 0,
  delivery: emptyReport(),
});

/** The delivery report's failures as short lines (none when everything went out). */
function deliveryProblems(d: DeliveryReport): string[] {
  const out: string[] = [];
  if (d.failed > 0) out.push(`delivery: ${d.failed} digest(s) failed`);
  if (d.gone > 0) out.push(`delivery: ${d.gone} chat(s) gone (bot removed or blocked)`);
  if (d.deferred > 0) out.push(`delivery: ${d.deferred} digest(s) deferred (rate limit or outage)`);
  if (d.halted > 0 || d.unrecorded > 0) {
    out.push(`delivery: halted, ${d.unrecorded} sent message(s) not recorded`);
  }
  return out;
}

export const HEARTBEAT_KEY = "heartbeat";
export const LAST_RUN_KEY = "last_run";

export class Scheduler {
  private readonly log: Logger;
  private readonly ingest: IngestPolicy;
  private readonly plan: DeliveryPlan;
  readonly lease: DeliveryLease;
  private readonly leaseWaitMs: number;
  private readonly ingestDelayMs: number;
  private tasks: ScheduledTask[] = [];
  private pipelineRun: Promise<PipelineSummary> | null = null;
  private deliveryRun: Promise<DeliveryReport> | null = null;
  private deliveryAgain = false;
  private stopped = false;
  private readonly stopSignal = new AbortController();

  constructor(
    private readonly deps: SchedulerDeps,
    options: SchedulerOptions = {},
  ) {
    this.log = deps.log ?? silentLogger;
    this.ingest = new IngestPolicy(
      { pipeline: deps.pipeline, store: deps.store, clock: deps.clock, log: this.log },
      {
        ingestDelayMs: options.ingestDelayMs ?? 5 * 60_000,
        retryEveryMs: options.retryEveryMs ?? 5 * 60_000,
        giveUpAfterMs: options.giveUpAfterMs ?? 3 * 3_600_000,
        slowRetryEveryMs: options.slowRetryEveryMs ?? 3_600_000,
        catchUpDays: options.catchUpDays ?? 3,
      },
      new Set(options.holidays ?? ARXIV_HOLIDAYS),
    );
    this.plan = new DeliveryPlan(
      { ...deps, log: this.log },
      options.chunkSize ?? 200,
      () => this.stopped,
    );
    this.lease = new DeliveryLease(deps.store, deps.clock, this.log, {
      ...(options.owner ? { owner: options.owner } : {}),
      ...(options.leaseTtlMs ? { ttlMs: options.leaseTtlMs } : {}),
    });
    this.leaseWaitMs = options.leaseWaitMs ?? 15 * 60_000;
    this.ingestDelayMs = options.ingestDelayMs ?? 5 * 60_000;
  }

  /**
   * Starts the cron triggers: the pipeline shortly after 20:00 New York, Sunday to Thursday,
   * and a tick every minute (deliveries, retries, catch-up). Ticks once at once, to catch up.
   */
  start(): Promise<RunSummary> {
    const minute = Math.round(this.ingestDelayMs / 60_000) % 60;
    this.tasks = [
      cron.schedule(`${minute} ${ANNOUNCE_HOUR} * * 0-4`, () => this.safeTick(), {
        timezone: ARXIV_TIMEZONE,
        name: "sudi-ingest",
      }),
      // No noOverlap: tick() guards each step itself, so a long fan-out never holds back an
      // ingest retry, and vice versa.
      cron.schedule("* * * * *", () => this.safeTick(), { name: "sudi-tick" }),
      cron.schedule("30 4 * * 6", () => this.deps.maintenance?.(), {
        timezone: ARXIV_TIMEZONE,
        name: "sudi-maintenance",
      }),
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
   * Stops the triggers and the delivery engine (no new message starts; the ones in flight
   * finish and are recorded), then waits for a running ingest or summarise to end, up to
   * `graceMs`.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    await Promise.all(this.tasks.map((t) => t.stop()));
    await Promise.all(this.tasks.map((t) => t.destroy()));
    this.tasks = [];
    await this.deps.engine.stop();
    await this.deliveryRun?.catch(() => undefined);
    this.lease.release();
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
    metrics.schedulerTicks.inc();
    // The heartbeat is written at the start: a tick waiting on a long fan-out is still alive.
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.setState(HEARTBEAT_KEY, at, at);
    const deliveryDone = this.runDelivery(false);
    const pipeline = await this.runPipeline();
    let delivery = await deliveryDone;
    // A day that just became ready goes out in the same tick.
    if (pipeline.announceDate) delivery = addReports(delivery, await this.runDelivery(false));
    return this.summarise(pipeline, delivery);
  }

  /**
   * `sudi run-once`: ingest and summarise if an announcement is due or missed, then deliver
   * the newest ready day to every active, unpaused chat that has not had it, whatever its
   * /settime (the cron line that runs run-once is the delivery time) unless
   * `respectChatTimes`. Pending deliveries of earlier runs are resumed first. While another
   * process delivers from the same database, it waits for that run to end (up to
   * `leaseWaitMs`, then fails).
   */
  async runOnce(options: { respectChatTimes?: boolean } = {}): Promise<RunSummary> {
    metrics.schedulerTicks.inc();
    const pipeline = await this.runPipeline();
    if (!(await this.lease.waitFor(this.leaseWaitMs, this.stopSignal.signal))) {
      if (!this.stopped) {
        this.log.error("another sudi process kept delivering; nothing was delivered here", {
          holder: this.lease.holder(),
          waitedMs: this.leaseWaitMs,
        });
      }
      return this.summarise({ ...pipeline, failures: pipeline.failures + 1 }, emptyReport(), true);
    }
    return this.summarise(pipeline, await this.runDelivery(!options.respectChatTimes), true);
  }

  /** Builds, logs and records the run summary line. */
  private summarise(
    pipeline: PipelineSummary,
    delivery: DeliveryReport,
    always = false,
  ): RunSummary {
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.setState(HEARTBEAT_KEY, at, at);
    const summary: RunSummary = {
      ...pipeline,
      digestsSent: delivery.sent,
      messagesSent: delivery.messages,
      uncertain: delivery.uncertain,
      failures:
        pipeline.failures +
        delivery.failed +
        delivery.gone +
        delivery.deferred +
        delivery.halted +
        delivery.unrecorded,
      problems: [...pipeline.problems, ...deliveryProblems(delivery)],
      delivery,
    };
    if (always || this.didWork(summary)) {
      const { delivery: _unused, problems: _problems, ...line } = summary;
      const halted = delivery.halted > 0 || delivery.unrecorded > 0;
      const fields = { ...line, ...(halted ? { unrecorded: delivery.unrecorded } : {}) };
      if (halted) this.log.error("run", fields);
      else this.log.info("run", fields);
      this.deps.store.setState(LAST_RUN_KEY, JSON.stringify(fields), at);
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
  private runPipeline(): Promise<PipelineSummary> {
    if (this.pipelineRun) return Promise.resolve(emptyPipelineSummary());
    const run = this.ingest
      .step()
      .catch((error) => {
        this.log.error("pipeline step failed", { error: describeError(error) });
        return {
          ...emptyPipelineSummary(),
          failures: 1,
          problems: [`pipeline: ${describeError(error)}`],
        };
      })
      .finally(() => {
        this.pipelineRun = null;
      });
    this.pipelineRun = run;
    return run;
  }

  /**
   * The delivery step, never two at once; a call while one runs makes it run once more. It
   * holds the delivery lease for its whole run, renewed on the clock, and stops the engine if
   * a renewal finds another process took it over; the lease is given back at the end.
   */
  private runDelivery(ignoreChatTimes: boolean): Promise<DeliveryReport> {
    if (this.deliveryRun) {
      this.deliveryAgain = true;
      return Promise.resolve(emptyReport());
    }
    const run = (async () => {
      let report = emptyReport();
      if (!this.lease.acquire()) return report;
      const stopRenewing = this.lease.keepRenewed((holder) =>
        this.deps.engine.halt(`the delivery lease was lost to ${holder ?? "another process"}`),
      );
      try {
        do {
          this.deliveryAgain = false;
          try {
            report = addReports(report, await this.plan.run(ignoreChatTimes));
          } catch (error) {
            // e.g. a digest that cannot be built: logged, and the next tick tries again
            this.log.error("delivery step failed", { error: describeError(error) });
            report.failed++;
          }
        } while (this.deliveryAgain && !this.stopped && !report.halted);
      } finally {
        stopRenewing();
        this.lease.release();
      }
      return report;
    })().finally(() => {
      this.deliveryRun = null;
    });
    this.deliveryRun = run;
    return run;
  }

  /** The instant a chat's digest of `announceDate` is due. */
  dueAt(chat: Pick<Chat, "timezone" | "digestTime">, announceDate: string): number {
    return this.plan.dueAt(chat, announceDate);
  }

  /** Active, unpaused chats that can be sent to, are due and have no record for the day. */
  dueChats(announceDate: string, readyAt: number, now: number, ignoreTimes = false): Chat[] {
    return this.plan.dueChats(announceDate, readyAt, now, ignoreTimes);
  }
}
