/**
 * The running scheduler, wired from an opened App and its chat services: the real pipeline
 * (arXiv ingest, summariser), the digest service, the delivery engine over the platforms'
 * Senders, and a shutdown that stops cleanly. `sudi start` creates one with createDaemon and
 * calls installSignalHandlers; `sudi run-once` creates one and calls runOnce.
 */
import type { App } from "../app.ts";
import { ingestAnnouncement } from "../arxiv/ingest.ts";
import type { ChatServices } from "../commands/wiring.ts";
import type { Platform } from "../core/address.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { DeliveryEngine, type DeliveryOptions } from "../deliver/engine.ts";
import type { Sender } from "../deliver/sender.ts";
import type { Logger } from "../log.ts";
import { weeklyMaintenance } from "../store/maintenance.ts";
import { ScheduleStore } from "../store/schedule.ts";
import { type Pipeline, type RunSummary, Scheduler, type SchedulerOptions } from "./scheduler.ts";

export interface DaemonOptions {
  /** one Sender per platform this process delivers to */
  senders: Partial<Record<Platform, Sender>>;
  clock?: Clock;
  delivery?: DeliveryOptions;
  schedule?: SchedulerOptions;
  /** replaces the pipeline built from the config (tests, offline runs) */
  pipeline?: Pipeline;
}

/** The real pipeline: the feed (or a back-filled day) into the store, then missing cards. */
export function createPipeline(
  app: App,
  services: Pick<ChatServices, "papers" | "summariser" | "arxiv" | "digests">,
  store: ScheduleStore,
): Pipeline {
  const log = app.log.child({ stage: "pipeline" });
  return {
    latestIngested: () => store.latestIngestRun(),
    ingest: async (date) => {
      const r = await ingestAnnouncement(
        { client: services.arxiv(), store: services.papers, log },
        { categories: app.config.SUDI_CATEGORIES, ...(date ? { date } : {}) },
      );
      // A day stored before counts as nothing new (the feed has not moved on yet).
      const fresh = !r.skippedAlreadyIngested;
      return {
        announceDate: r.announceDate,
        newCount: fresh ? r.newCount : 0,
        crossCount: fresh ? r.crossCount : 0,
      };
    },
    summarise: async () => {
      const r = await services.summariser.summariseMissing();
      // Cards written or upgraded just now must show in the digests about to be selected.
      services.digests.refresh();
      return { cards: r.written, tokens: r.tokens, failures: r.failures };
    },
  };
}

export class Daemon {
  readonly scheduler: Scheduler;
  readonly engine: DeliveryEngine;
  readonly store: ScheduleStore;
  private readonly closers: (() => void | Promise<void>)[] = [];
  private shuttingDown: Promise<void> | null = null;

  constructor(
    private readonly app: App,
    services: ChatServices,
    options: DaemonOptions,
  ) {
    const clock = options.clock ?? systemClock;
    const log = app.log.child({ stage: "schedule" });
    this.store = new ScheduleStore(app.db);
    this.engine = new DeliveryEngine(
      {
        outbox: services.outbox,
        deliveries: services.deliveries,
        chats: services.chats,
        senders: options.senders,
        clock,
        log,
      },
      { inFlightPerPlatform: app.config.SUDI_DELIVERY_IN_FLIGHT, ...options.delivery },
    );
    this.scheduler = new Scheduler(
      {
        clock,
        log,
        pipeline: options.pipeline ?? createPipeline(app, services, this.store),
        digests: services.digests,
        engine: this.engine,
        chats: services.chats,
        deliveries: services.deliveries,
        store: this.store,
        maintenance: () =>
          weeklyMaintenance(app.db, { retentionDays: app.config.SUDI_LEDGER_RETENTION_DAYS, log }),
      },
      options.schedule,
    );
  }

  /** Starts the cron triggers and ticks once at once (catch-up after downtime). */
  start(): Promise<RunSummary> {
    return this.scheduler.start();
  }

  /** One ingest, summarise and deliver round, for `sudi run-once`. */
  runOnce(options: { respectChatTimes?: boolean } = {}): Promise<RunSummary> {
    return this.scheduler.runOnce(options);
  }

  /** Something to stop before the database closes (a bot's polling loop, say). */
  onShutdown(close: () => void | Promise<void>): void {
    this.closers.push(close);
  }

  /**
   * Stops scheduling and delivering: no new cron run, the message in flight finishes and is
   * recorded. The database stays open (start.ts closes the App after its adapters).
   */
  stop(): Promise<void> {
    this.stopping ??= this.scheduler.stop();
    return this.stopping;
  }

  private stopping: Promise<void> | null = null;

  /**
   * Stops cleanly, once however often it is called: stop(), then the registered closers run
   * and the database closes. For processes the daemon owns (run-once, tests, your own main).
   */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      await this.stop();
      for (const close of this.closers) {
        try {
          await close();
        } catch (error) {
          this.app.log.warn("error while shutting down", { error });
        }
      }
      this.app.close();
    })();
    return this.shuttingDown;
  }
}

export function createDaemon(app: App, services: ChatServices, options: DaemonOptions): Daemon {
  return new Daemon(app, services, options);
}

/** The senders of the started adapters, keyed by platform, as the engine wants them. */
export function sendersByPlatform(senders: Iterable<Sender>): Partial<Record<Platform, Sender>> {
  const out: Partial<Record<Platform, Sender>> = {};
  for (const s of senders) out[s.platform] = s;
  return out;
}

/**
 * What src/cli/start.ts's startScheduler hook returns: the daemon started (cron triggers plus
 * one catch-up tick at once) and a stop that drains the message in flight.
 */
export function startDaemon(
  app: App,
  services: ChatServices,
  senders: Iterable<Sender>,
  options: Omit<DaemonOptions, "senders"> = {},
): { name: string; daemon: Daemon; stop(): Promise<void> } {
  const daemon = createDaemon(app, services, { ...options, senders: sendersByPlatform(senders) });
  daemon.start().catch((error) => app.log.error("scheduler tick failed", { error }));
  return { name: "scheduler", daemon, stop: () => daemon.stop() };
}

/**
 * SIGTERM and SIGINT shut the daemon down gracefully; a second signal exits at once. Returns a
 * function that removes the handlers.
 */
export function installSignalHandlers(
  daemon: Pick<Daemon, "shutdown">,
  log: Logger,
  proc: Pick<NodeJS.Process, "once" | "off" | "exit"> = process,
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    log.info("shutting down", { signal });
    proc.once(signal, () => proc.exit(130));
    daemon.shutdown().then(
      () => log.info("stopped", { signal }),
      (error) => {
        log.error("shutdown failed", { error });
        proc.exit(1);
      },
    );
  };
  proc.once("SIGTERM", handler);
  proc.once("SIGINT", handler);
  return () => {
    proc.off("SIGTERM", handler);
    proc.off("SIGINT", handler);
  };
}
