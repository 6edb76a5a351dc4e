/**
 * The one composition root. buildApp turns the environment into the whole running graph, once:
 * configuration (the core's variables plus every platform's own, from bots/registry.ts), the
 * logger, the database and its stores, the summariser, the arXiv client, the digest service,
 * the command handler, the delivery engine and scheduler, and the platform adapters.
 *
 * `sudi start`, `sudi run-once`, `sudi demo`, `sudi digest` and the tests all build through
 * it, so a test runs the wiring a user runs. Options exist only for what a test or an offline
 * command must swap: the clock, an offline summariser, a ready arXiv client, the platforms.
 */

import type { PlatformAdapter, PlatformIo, RunningPlatform } from "../bots/platform.ts";
import { PLATFORMS } from "../bots/registry.ts";
import { ArxivClient } from "./arxiv/client.ts";
import { ingestAnnouncement } from "./arxiv/ingest.ts";
import type { CommandLimits } from "./commands/context.ts";
import { type ChatBot, createCommandHandler } from "./commands/handler.ts";
import type { PersonalServices } from "./commands/personal.ts";
import { type Config, loadConfig, readDotEnv, secretsOf } from "./config.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import { publicLinks, type WebLinks } from "./core/web-links.ts";
import { DeliveryEngine, type DeliveryOptions } from "./deliver/engine.ts";
import type { Sender } from "./deliver/sender.ts";
import { DigestService } from "./digest/digest.ts";
import { createLogger, type Logger } from "./log.ts";
import { Ranker } from "./ranking/ranker.ts";
import { ARXIV_CALENDAR } from "./reports/period.ts";
import { personalRanking } from "./reports/personal.ts";
import { PopularityService } from "./reports/popularity.ts";
import { ReportBuilder } from "./reports/select.ts";
import { ReportService } from "./reports/service.ts";
import {
  type Pipeline,
  type RunSummary,
  Scheduler,
  type SchedulerOptions,
} from "./schedule/scheduler.ts";
import { CardStore } from "./store/cards.ts";
import { ChatStore } from "./store/chats.ts";
import { type Db, openDatabase } from "./store/db.ts";
import { DeepStore } from "./store/deep.ts";
import { DeliveryStore } from "./store/deliveries.ts";
import { EndpointStore } from "./store/endpoints.ts";
import { FeatureStore } from "./store/features.ts";
import { FeedTokenStore } from "./store/feeds.ts";
import { weeklyMaintenance } from "./store/maintenance.ts";
import { MemberStore } from "./store/members.ts";
import { OutboxStore } from "./store/outbox.ts";
import { PaperStore } from "./store/papers.ts";
import { PersonalStore } from "./store/personal.ts";
import { ReportStore } from "./store/reports.ts";
import { HEALTH_KEY_PREFIX, ScheduleStore } from "./store/schedule.ts";
import { SearchStore } from "./store/search.ts";
import { SubscriptionStore } from "./store/subscriptions.ts";
import { VoteStore } from "./store/votes.ts";
import { checkpointWal } from "./store/wal.ts";
import { createDeepReader, type DeepReader } from "./summarise/deep.ts";
import { createSummariser, type Summariser } from "./summarise/summariser.ts";

export interface AppOptions {
  /** the environment to read; default process.env */
  env?: Record<string, string | undefined>;
  /** the .env file's pairs; default read from ./.env (tests pass {}) */
  dotenv?: Record<string, string>;
  /** a configuration already loaded with loadAppConfig (skips env and dotenv) */
  config?: Config;
  /** default: a logger at LOG_LEVEL that redacts every secret of the configuration */
  log?: Logger;
  /** the chat platforms; default bots/registry.ts's PLATFORMS (a test may add its own) */
  platforms?: readonly PlatformAdapter[];
  /** build the summariser without an LLM even when a key is set (demo, digest, tests) */
  offline?: boolean;
  /** this arXiv client instead of one built from the config (the demo's offline one) */
  arxiv?: ArxivClient;
  /** the commands' "now" (tests freeze it); default the system time */
  now?: () => Date;
  /** the scheduler's and delivery's clock; default the system clock */
  clock?: Clock;
  /** command limits (tests lower them) */
  limits?: Partial<CommandLimits>;
  /** how often button counts may be edited per chat (tests lower it); default 3 s */
  relabelIntervalMs?: number;
}

/** Extra settings for the delivery side (tests and benches). */
export interface DeliverySetup {
  delivery?: DeliveryOptions;
  schedule?: SchedulerOptions;
  /** replaces the pipeline built from the config (tests, offline runs) */
  pipeline?: Pipeline;
}

export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Db;
  /** every platform this app knows (configured or not), in registry order */
  readonly platforms: readonly PlatformAdapter[];
  readonly papers: PaperStore;
  readonly cards: CardStore;
  readonly chats: ChatStore;
  readonly subscriptions: SubscriptionStore;
  readonly outbox: OutboxStore;
  /** per-day (and per-period) delivery records, beside the sent ledger */
  readonly deliveries: DeliveryStore;
  readonly search: SearchStore;
  readonly schedule: ScheduleStore;
  readonly digests: DigestService;
  /** 周报 and 月报: roll-up settings, and the reports (selection, chart, delivery messages) */
  readonly reportStore: ReportStore;
  readonly reports: ReportService;
  /** chats' Atom feed tokens (/feed, the archive's chat feeds) */
  readonly feeds: FeedTokenStore;
  /** settings of chats managed with `sudi chats` (Feishu webhooks, email addresses) */
  readonly endpoints: EndpointStore;
  /** the web archive's public links (SUDI_PUBLIC_URL), or null */
  readonly links: WebLinks | null;
  /** follows, mutes, votes, saved papers, members and the learned ranking */
  readonly personal: PersonalServices;
  /** the one summariser (LLM cache, budget), created on first use */
  readonly summariser: Summariser;
  /** deep reads (深读) and /ask from the full text, created on first use */
  readonly deep: DeepReader;
  readonly deepStore: DeepStore;
  /** the one arXiv client (pacing), created on first use */
  arxiv(): ArxivClient;
  /** the command handler and chat lifecycle every adapter talks to */
  readonly bot: ChatBot;
  readonly clock: Clock;
  /** the platforms whose variables are set (the console fallback not included) */
  configuredPlatforms(): PlatformAdapter[];
  /**
   * Starts the configured platforms (or, with none and `fallback` allowed, the console chat).
   * A platform that fails to start stops those started before it, then the error is thrown.
   */
  startPlatforms(io: PlatformIo, options?: { fallback?: boolean }): Promise<RunningPlatform[]>;
  /** delivery-only senders of every configured platform and the fallback (run-once) */
  senders(io: PlatformIo): Promise<Sender[]>;
  /** The delivery engine and scheduler over `senders`. */
  daemon(senders: Iterable<Sender>, setup?: DeliverySetup): Daemon;
  /** Records a component's health (a platform's polling, say) for `sudi health`. */
  reportHealth(component: string, health: ComponentHealth): void;
  close(): void;
}

/** What `sudi health` reads about one long-lived component besides the scheduler. */
export interface ComponentHealth {
  ok: boolean;
  /** one line for the operator when not ok */
  detail?: string;
}

/**
 * The configuration with every platform's variables validated in the same pass (a bad one
 * stops start-up naming it).
 */
export function loadAppConfig(
  env: Record<string, string | undefined> = process.env,
  dotenv: Record<string, string> = readDotEnv(),
  platforms: readonly PlatformAdapter[] = PLATFORMS,
): Config {
  return loadConfig(
    env,
    dotenv,
    platforms.map((p) => p.config),
  );
}

/** Every secret value of the configuration, the platforms' included. */
export function appSecrets(
  config: Config,
  platforms: readonly PlatformAdapter[] = PLATFORMS,
): string[] {
  return secretsOf(
    config,
    platforms.map((p) => p.config),
  );
}

export function buildApp(options: AppOptions = {}): App {
  const platforms = options.platforms ?? PLATFORMS;
  const config =
    options.config ?? loadAppConfig(options.env ?? process.env, options.dotenv, platforms);
  const log =
    options.log ??
    createLogger({ level: config.LOG_LEVEL, secrets: appSecrets(config, platforms) });
  const clock = options.clock ?? systemClock;
  const db = openDatabase(config.SUDI_DB_PATH);
  const papers = new PaperStore(db);
  const cards = new CardStore(db);
  const chats = new ChatStore(db, {
    timezone: config.SUDI_TIMEZONE,
    digestTime: config.SUDI_DIGEST_TIME,
  });
  const subscriptions = new SubscriptionStore(db);
  const outbox = new OutboxStore(db);
  const deliveries = new DeliveryStore(db, outbox);
  const search = new SearchStore(db);
  const schedule = new ScheduleStore(db);
  const links = publicLinks(config.SUDI_PUBLIC_URL);
  const feeds = new FeedTokenStore(db);
  const endpoints = new EndpointStore(db);
  // Whether an LLM writes cards here (the summariser's own rule): fallback cards say which.
  const llm = !options.offline && Boolean(config.OPENAI_API_KEY);
  const reportStore = new ReportStore(db);
  // Popularity signals are optional network sources: an offline app (demo, tests) has none.
  const popularity = options.offline
    ? undefined
    : new PopularityService({
        store: reportStore,
        hfApiUrl: config.HF_API_URL,
        githubApiUrl: config.GITHUB_API_URL,
        githubToken: config.GITHUB_TOKEN,
        clock,
        log,
      });
  // Personal digests: follows, mutes, votes, saved papers, members and the learned ranking.
  const votes = new VoteStore(db);
  const members = new MemberStore(db);
  const filters = new PersonalStore(db);
  const ranker = new Ranker({ features: new FeatureStore(db), votes, papers });
  const reports = new ReportService({
    builder: new ReportBuilder({
      papers,
      cards,
      listing: reportStore,
      popularity,
      // ranked as the chat's daily digest: follows (its author subscriptions), mutes and
      // minimum score, and its learned model where it has one
      ranking: personalRanking({ filters, ranker }),
      // 【单位 提出 …】 from the deep-read cards' affiliations, when a paper has one
      affiliations: { affiliationsOf: (ids) => reportStore.deepAffiliations(ids) },
      calendar: ARXIV_CALENDAR,
      now: () => clock.now(),
    }),
    subscriptions,
    settings: reportStore,
    publicUrl: config.SUDI_PUBLIC_URL,
    feeds,
    log,
  });
  const personal: PersonalServices = {
    personal: filters,
    members,
    votes,
    ranker,
    categories: config.SUDI_CATEGORIES,
  };
  const titleOf = (id: string) => {
    const card = cards.bestMany([id]).get(id);
    return card && !card.fallback ? card.title_zh : (papers.get(id)?.title ?? undefined);
  };
  const digests = new DigestService({
    papers,
    cards,
    subscriptions,
    outbox,
    llm,
    links,
    personal: { filters, members, alerts: votes, ranker, titleOf },
  });
  // One summariser and one arXiv client per process: they hold the LLM cache of in-flight
  // calls, the token budget and the arXiv pacing, which must not be split in two.
  let summariser: Summariser | undefined;
  const getSummariser = () => {
    summariser ??= createSummariser(
      options.offline ? { ...config, OPENAI_API_KEY: undefined } : config,
      { cards, papers, log },
    );
    return summariser;
  };
  const deepStore = new DeepStore(db);
  let deep: DeepReader | undefined;
  const getDeep = () => {
    deep ??= createDeepReader(options.offline ? { ...config, OPENAI_API_KEY: undefined } : config, {
      deep: deepStore,
      cards,
      arxiv: getArxiv,
      log,
      ...(options.now ? { now: options.now } : {}),
    });
    return deep;
  };
  let arxiv = options.arxiv;
  const getArxiv = () => {
    arxiv ??= new ArxivClient({
      apiUrl: config.ARXIV_API_URL,
      rssUrl: config.ARXIV_RSS_URL,
      minIntervalMs: config.ARXIV_MIN_INTERVAL_MS,
      log,
    });
    return arxiv;
  };
  // Built on first use: it loads the taxonomy, which `sudi paper` and `sudi ingest` never need.
  let bot: ChatBot | undefined;
  const getBot = () => {
    bot ??= createCommandHandler({
      chats,
      subscriptions,
      papers,
      cards,
      search,
      outbox,
      summariser: { cardFor: (paper) => getSummariser().cardFor(paper), hasLlm: llm },
      arxiv: getArxiv,
      digests,
      deep: {
        reader: {
          deepCard: (paper) => getDeep().deepCard(paper),
          ask: (paper, question) => getDeep().ask(paper, question),
          cached: (paper) => getDeep().cached(paper),
          cachedAnswer: (paper, question) => getDeep().cachedAnswer(paper, question),
        },
        quota: deepStore,
      },
      reports,
      reportStore,
      feeds,
      links,
      config,
      log,
      personal,
      ...(options.now ? { clock: options.now } : {}),
      limits: {
        deepPerUserDay: config.SUDI_DEEP_PER_USER_DAY,
        deepPerGroupDay: config.SUDI_DEEP_PER_GROUP_DAY,
        askPerDay: config.SUDI_ASK_PER_DAY,
        ...options.limits,
      },
      ...(options.relabelIntervalMs !== undefined
        ? { relabelIntervalMs: options.relabelIntervalMs }
        : {}),
    });
    return bot;
  };

  // Platforms managed with `sudi chats` run whenever they have an active chat.
  const managedPlatforms = () => {
    const used = new Set(endpoints.activePlatforms());
    return platforms.filter((p) => p.chats && used.has(p.platform));
  };
  const configuredPlatforms = () => [
    ...platforms.filter((p) => !p.fallback && p.configured(config)),
    ...managedPlatforms(),
  ];

  const app: App = {
    config,
    log,
    db,
    platforms,
    papers,
    cards,
    chats,
    subscriptions,
    outbox,
    deliveries,
    search,
    schedule,
    digests,
    reportStore,
    reports,
    feeds,
    endpoints,
    links,
    personal,
    get summariser() {
      return getSummariser();
    },
    get deep() {
      return getDeep();
    },
    deepStore,
    arxiv: getArxiv,
    get bot() {
      return getBot();
    },
    clock,
    configuredPlatforms,
    startPlatforms: async (io, { fallback = true } = {}) => {
      // Health is reported afresh by this process's platforms.
      schedule.deleteStatesWithPrefix(HEALTH_KEY_PREFIX);
      const chosen = configuredPlatforms();
      const toStart = chosen.length ? chosen : fallback ? platforms.filter((p) => p.fallback) : [];
      const running: RunningPlatform[] = [];
      for (const platform of toStart) {
        try {
          running.push(await platform.start(app, io));
        } catch (error) {
          for (const r of running.reverse()) {
            await r.stop().catch((stopError: unknown) => {
              log.warn("stopping a platform failed", { platform: r.platform, error: stopError });
            });
          }
          throw error;
        }
      }
      return running;
    },
    senders: async (io) => {
      const chosen = [...configuredPlatforms(), ...platforms.filter((p) => p.fallback)];
      return Promise.all(chosen.map((p) => p.sender(app, io)));
    },
    daemon: (senders, setup = {}) => new Daemon(app, senders, setup),
    reportHealth: (component, health) => {
      schedule.setState(
        `${HEALTH_KEY_PREFIX}${component}`,
        JSON.stringify(health),
        new Date(clock.now()).toISOString(),
      );
    },
    close: () => db.close(),
  };
  return app;
}

/** The real pipeline: the feed (or a back-filled day) into the store, then missing cards. */
export function createPipeline(app: App): Pipeline {
  const log = app.log.child({ stage: "pipeline" });
  return {
    latestIngested: () => app.schedule.latestIngestRun(),
    ingest: async (date) => {
      const r = await ingestAnnouncement(
        { client: app.arxiv(), store: app.papers, log },
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
      const r = await app.summariser.summariseMissing();
      // Cards written or upgraded just now must show in the digests about to be selected.
      app.digests.refresh();
      app.reports.refresh();
      return { cards: r.written, tokens: r.tokens, failures: r.failures };
    },
  };
}

/**
 * The delivery side of an App: the delivery engine over the platforms' senders and the
 * scheduler that decides what to ingest, summarise and deliver when. `sudi start` starts it;
 * `sudi run-once` runs one round.
 */
export class Daemon {
  readonly scheduler: Scheduler;
  readonly engine: DeliveryEngine;
  private readonly closers: (() => void | Promise<void>)[] = [];
  private stopping: Promise<void> | null = null;
  private shuttingDown: Promise<void> | null = null;

  constructor(
    private readonly app: App,
    senders: Iterable<Sender>,
    setup: DeliverySetup = {},
  ) {
    const log = app.log.child({ stage: "schedule" });
    const byPlatform: Record<string, Sender> = {};
    for (const s of senders) byPlatform[s.platform] = s;
    this.engine = new DeliveryEngine(
      {
        outbox: app.outbox,
        deliveries: app.deliveries,
        chats: app.chats,
        senders: byPlatform,
        clock: app.clock,
        log,
        checkpoint: () => checkpointWal(app.db),
      },
      {
        ...(app.config.SUDI_DELIVERY_IN_FLIGHT
          ? { inFlightPerPlatform: app.config.SUDI_DELIVERY_IN_FLIGHT }
          : {}),
        ...setup.delivery,
      },
    );
    this.scheduler = new Scheduler(
      {
        clock: app.clock,
        log,
        pipeline: setup.pipeline ?? createPipeline(app),
        digests: app.digests,
        engine: this.engine,
        chats: app.chats,
        deliveries: app.deliveries,
        store: app.schedule,
        rollups: app.reports,
        maintenance: () =>
          weeklyMaintenance(app.db, {
            retentionDays: app.config.SUDI_LEDGER_RETENTION_DAYS,
            log: app.log.child({ stage: "maintenance" }),
          }),
      },
      setup.schedule,
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
   * recorded. The database stays open.
   */
  stop(): Promise<void> {
    this.stopping ??= this.scheduler.stop();
    return this.stopping;
  }

  /**
   * Stops cleanly, once however often it is called: stop(), then the registered closers run
   * and the database closes.
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
