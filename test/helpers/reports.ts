/**
 * Set-up for the 周报/月报 tests: an in-memory store, the report service with the command
 * handler, and a way to seed announcement days with papers and cards.
 */

import { type ChatBot, createCommandHandler } from "../../src/commands/handler.ts";
import { loadConfig } from "../../src/config.ts";
import type { ChatAddress } from "../../src/core/address.ts";
import type { RichMessage } from "../../src/core/message.ts";
import { DigestService } from "../../src/digest/digest.ts";
import { toPlainText } from "../../src/digest/render/text.ts";
import { silentLogger } from "../../src/log.ts";
import { Ranker } from "../../src/ranking/ranker.ts";
import { ARXIV_CALENDAR } from "../../src/reports/period.ts";
import type { PopularityService } from "../../src/reports/popularity.ts";
import {
  type AffiliationProvider,
  type RankingProvider,
  ReportBuilder,
} from "../../src/reports/select.ts";
import { ReportService } from "../../src/reports/service.ts";
import { CardStore } from "../../src/store/cards.ts";
import { ChatStore } from "../../src/store/chats.ts";
import { type Db, openDatabase } from "../../src/store/db.ts";
import { DeliveryStore } from "../../src/store/deliveries.ts";
import { FeatureStore } from "../../src/store/features.ts";
import { FeedTokenStore } from "../../src/store/feeds.ts";
import { MemberStore } from "../../src/store/members.ts";
import { OutboxStore } from "../../src/store/outbox.ts";
import type { Paper } from "../../src/store/paper.ts";
import { PaperStore } from "../../src/store/papers.ts";
import { PersonalStore } from "../../src/store/personal.ts";
import { ReportStore } from "../../src/store/reports.ts";
import { SearchStore } from "../../src/store/search.ts";
import { SubscriptionStore } from "../../src/store/subscriptions.ts";
import { VoteStore } from "../../src/store/votes.ts";
import { createSummariser } from "../../src/summarise/summariser.ts";
import { paper, realCard } from "../commands-setup.ts";

export { paper, realCard };

export interface SeedItem {
  id: string;
  topic?: string;
  /** several card topics (overrides `topic`) */
  topics?: string[];
  score?: number;
  keywords?: string[];
  authors?: Paper["authors"];
  title?: string;
  type?: "new" | "cross";
  version?: number;
  codeUrl?: string | null;
  tldr?: string;
}

export interface ReportsSetup {
  db: Db;
  papers: PaperStore;
  cards: CardStore;
  chats: ChatStore;
  subscriptions: SubscriptionStore;
  outbox: OutboxStore;
  deliveries: DeliveryStore;
  reportStore: ReportStore;
  digests: DigestService;
  builder: ReportBuilder;
  reports: ReportService;
  bot: ChatBot;
  clock: { now: Date };
  /** stores the papers as announced on `date` (and the day as ingested) with real cards */
  seed(date: string, items: SeedItem[]): void;
  /** marks days as ingested with no papers (a quiet day that was seen) */
  seenEmpty(...dates: string[]): void;
  say(text: string, chat?: ChatAddress): Promise<string>;
  send(text: string, chat?: ChatAddress): Promise<RichMessage[]>;
}

export function reportsSetup(
  options: {
    now?: Date;
    popularity?: PopularityService;
    ranking?: RankingProvider;
    affiliations?: AffiliationProvider;
    chart?: false;
  } = {},
): ReportsSetup {
  const db = openDatabase(":memory:");
  const config = loadConfig(
    {
      SUDI_DB_PATH: ":memory:",
      OPENAI_API_KEY: "",
      LOG_LEVEL: "silent",
      ARXIV_API_URL: "http://127.0.0.1:9/api/query",
    },
    {},
  );
  const papers = new PaperStore(db);
  const cards = new CardStore(db);
  const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const subscriptions = new SubscriptionStore(db);
  const outbox = new OutboxStore(db);
  const deliveries = new DeliveryStore(db, outbox);
  const reportStore = new ReportStore(db);
  const digests = new DigestService({ papers, cards, subscriptions, outbox });
  const clock = { now: options.now ?? new Date("2024-05-06T03:00:00Z") };
  const builder = new ReportBuilder({
    papers,
    cards,
    listing: reportStore,
    calendar: ARXIV_CALENDAR,
    popularity: options.popularity,
    ranking: options.ranking,
    affiliations: options.affiliations,
    now: () => clock.now.getTime(),
  });
  const reports = new ReportService({
    builder,
    subscriptions,
    settings: reportStore,
    chart: options.chart,
    log: silentLogger,
  });
  const bot = createCommandHandler({
    chats,
    subscriptions,
    papers,
    cards,
    search: new SearchStore(db),
    outbox,
    summariser: createSummariser(config, { cards, papers, log: silentLogger }),
    arxiv: () => {
      throw new Error("no arXiv in report tests");
    },
    digests,
    feeds: new FeedTokenStore(db),
    links: null,
    personal: (() => {
      const votes = new VoteStore(db);
      return {
        personal: new PersonalStore(db),
        members: new MemberStore(db),
        votes,
        ranker: new Ranker({ features: new FeatureStore(db), votes, papers }),
        categories: config.SUDI_CATEGORIES,
      };
    })(),
    // The deep read is not part of these tests: any use of it fails loudly.
    deep: {
      reader: {
        deepCard: noDeepRead,
        ask: noDeepRead,
        cached: noDeepRead,
        cachedAnswer: noDeepRead,
      },
      quota: { used: noDeepRead, use: noDeepRead },
    },
    reports,
    reportStore,
    config,
    log: silentLogger,
    clock: () => clock.now,
  });
  const send = (text: string, chat: ChatAddress = PRIVATE_CHAT) =>
    bot.handle({ chat, userId: "7", text, isAdmin: async () => true });
  return {
    db,
    papers,
    cards,
    chats,
    subscriptions,
    outbox,
    deliveries,
    reportStore,
    digests,
    builder,
    reports,
    bot,
    clock,
    seed(date, items) {
      for (const it of items) {
        const p = paper(it.id, {
          version: it.version ?? 1,
          title: it.title ?? `Paper ${it.id}`,
          authors: it.authors ?? [{ name: "Wei Li", affiliations: [] }],
          codeUrl: it.codeUrl ?? null,
        });
        papers.upsert(p, { date, type: it.type ?? "new" });
        cards.put(
          realCard(p, {
            topics: it.topics ?? [it.topic ?? "text-to-video"],
            score: it.score ?? 3,
            keywords: it.keywords ?? [],
            tldr: it.tldr ?? `论文 ${it.id} 的一句话总结。`,
            links: {
              abs: `https://arxiv.org/abs/${it.id}`,
              pdf: `https://arxiv.org/pdf/${it.id}`,
              code: it.codeUrl ?? null,
            },
          }),
        );
      }
      papers.recordIngestRun({
        announceDate: date,
        categories: ["cs.CV"],
        newCount: items.length,
        crossCount: 0,
        replaceCount: 0,
        source: "file",
      });
      builder.refresh();
    },
    seenEmpty(...dates) {
      for (const date of dates) {
        papers.recordIngestRun({
          announceDate: date,
          categories: ["cs.CV"],
          newCount: 0,
          crossCount: 0,
          replaceCount: 0,
          source: "file",
        });
      }
      builder.refresh();
    },
    send,
    say: async (text, chat) => (await send(text, chat)).map(toPlainText).join("\n\n"),
  };
}

function noDeepRead(): never {
  throw new Error("the deep read is not wired in report tests");
}

export const PRIVATE_CHAT: ChatAddress = { platform: "telegram", chatId: "42", type: "private" };

/**
 * A strict check of our own HTML: every non-void tag closed in order, no script, no event
 * handler attribute, no javascript: URL. Returns the problems found (empty when valid).
 */
export function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  const VOID = new Set(["meta", "br", "img", "link", "hr", "input"]);
  const stack: string[] = [];
  const body = html.replace(/^<!DOCTYPE html>\s*/i, "");
  if (/<script/i.test(body)) problems.push("script tag");
  if (/javascript:/i.test(body)) problems.push("javascript: URL");
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>/g)) {
    const [, closing, rawName, attrs = ""] = m;
    const name = (rawName ?? "").toLowerCase();
    if (/[<"]/.test(attrs.replace(/"[^"]*"/g, ""))) problems.push(`bad attributes in <${name}>`);
    if (/\son\w+\s*=/i.test(attrs)) problems.push(`event handler attribute in <${name}>`);
    if (VOID.has(name)) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}>`);
    } else stack.push(name);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(", ")}`);
  // No stray "<" or ">" outside tags (text must be escaped).
  const text = body.replace(/<\/?[a-zA-Z][^>]*>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  if (/[<>]/.test(text)) problems.push("unescaped < or > in text");
  return problems;
}
