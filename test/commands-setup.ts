/**
 * Shared set-up for the chat-command, digest and console tests: the app built by the one
 * composition root (src/app.ts) over an in-memory store, with fake URLs in its configuration,
 * a frozen clock, papers built in code, and a helper to send a command as a user.
 */
import { type App, buildApp } from "../src/app.ts";
import { ArxivClient } from "../src/arxiv/client.ts";
import type { CommandLimits } from "../src/commands/context.ts";
import type { ChatBot } from "../src/commands/handler.ts";
import type { PersonalServices } from "../src/commands/personal.ts";
import type { ChatAddress } from "../src/core/address.ts";
import type { RichMessage } from "../src/core/message.ts";
import type { DigestService } from "../src/digest/digest.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { silentLogger } from "../src/log.ts";
import type { Card } from "../src/store/card.ts";
import type { CardStore } from "../src/store/cards.ts";
import type { ChatStore } from "../src/store/chats.ts";
import type { Db } from "../src/store/db.ts";
import type { DeepStore } from "../src/store/deep.ts";
import type { OutboxStore } from "../src/store/outbox.ts";
import type { Paper } from "../src/store/paper.ts";
import type { PaperStore } from "../src/store/papers.ts";
import type { SearchStore } from "../src/store/search.ts";
import type { SubscriptionStore } from "../src/store/subscriptions.ts";
import type { DeepReader } from "../src/summarise/deep.ts";
import type { Summariser } from "../src/summarise/summariser.ts";

export const GROUP: ChatAddress = {
  platform: "telegram",
  chatId: "-1001234567890",
  type: "group",
  title: "大模型技术分享群",
};
export const PRIVATE: ChatAddress = { platform: "telegram", chatId: "42", type: "private" };

/** A paper with realistic defaults; override what the test is about. */
export function paper(id: string, overrides: Partial<Paper> = {}): Paper {
  return {
    id,
    version: 1,
    title: `Paper ${id}`,
    abstract: "We study a problem and report results.",
    authors: [{ name: "Ada Lovelace", affiliations: [] }],
    primaryCategory: "cs.LG",
    categories: ["cs.LG"],
    comment: null,
    journalRef: null,
    doi: null,
    published: "2024-04-22T17:00:00Z",
    updated: "2024-04-22T17:00:00Z",
    announceDate: null,
    announceType: null,
    codeUrl: null,
    ...overrides,
  };
}

/** A real (LLM-written) card for a paper. */
export function realCard(p: Paper, overrides: Partial<Card> = {}): Card {
  return {
    title_zh: `中文标题 ${p.id}`,
    tldr: "一句话总结。",
    motivation: "动机。",
    method: "方法。",
    results: "效果。",
    topics: ["text-to-video"],
    keywords: [],
    score: 3,
    score_reason: "理由。",
    paper_id: p.id,
    version: p.version,
    title_en: p.title,
    authors: "Ada Lovelace",
    affiliations: [],
    venue: null,
    links: {
      abs: `https://arxiv.org/abs/${p.id}`,
      pdf: `https://arxiv.org/pdf/${p.id}`,
      code: null,
    },
    fallback: false,
    prompt_version: "test-v1",
    model: "test-model",
    ...overrides,
  };
}

export interface Setup {
  app: App;
  db: Db;
  papers: PaperStore;
  cards: CardStore;
  chats: ChatStore;
  subscriptions: SubscriptionStore;
  outbox: OutboxStore;
  search: SearchStore;
  digests: DigestService;
  personal: PersonalServices;
  summariser: Summariser;
  deep: DeepReader;
  deepStore: DeepStore;
  bot: ChatBot;
  clock: { now: Date };
  /** sends `text` as `userId` in `chat`; `admin` answers the adapter's admin question */
  send(
    text: string,
    options?: { chat?: ChatAddress; userId?: string; admin?: boolean },
  ): Promise<RichMessage[]>;
  /** the replies as plain text, joined */
  say(
    text: string,
    options?: { chat?: ChatAddress; userId?: string; admin?: boolean },
  ): Promise<string>;
  /** how many times the adapter was asked whether the sender is an admin */
  adminChecks: number;
}

export interface SetupOptions {
  arxivApiUrl?: string;
  openaiUrl?: string;
  limits?: Partial<CommandLimits>;
  now?: Date;
  /** where the deep read finds full text (the fake arXiv's /html and /pdf) */
  arxivHtmlUrl?: string;
  arxivPdfUrl?: string;
  /** how often button counts may be edited per chat (default: the bot's) */
  relabelIntervalMs?: number;
}

export function setup(options: SetupOptions = {}): Setup {
  const env = {
    SUDI_DB_PATH: ":memory:",
    ARXIV_API_URL: options.arxivApiUrl ?? "http://127.0.0.1:9/api/query",
    ARXIV_MIN_INTERVAL_MS: "0",
    OPENAI_BASE_URL: options.openaiUrl ?? "http://127.0.0.1:9/v1",
    OPENAI_API_KEY: options.openaiUrl ? "sk-test-key-123456" : "",
    OPENAI_MODEL: "fake-model",
    ARXIV_HTML_URL: options.arxivHtmlUrl ?? "http://127.0.0.1:9/html",
    ARXIV_PDF_URL: options.arxivPdfUrl ?? "http://127.0.0.1:9/pdf",
    LOG_LEVEL: "silent",
  };
  // Tests give up on arXiv at once instead of backing off for a minute.
  const client = new ArxivClient({
    apiUrl: env.ARXIV_API_URL,
    rssUrl: "http://127.0.0.1:9/atom",
    minIntervalMs: 0,
    maxRetries: 0,
    timeoutMs: 5000,
  });
  const clock = { now: options.now ?? new Date("2024-04-25T00:30:00Z") };
  const app = buildApp({
    env,
    dotenv: {},
    log: silentLogger,
    arxiv: client,
    now: () => clock.now,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.relabelIntervalMs !== undefined
      ? { relabelIntervalMs: options.relabelIntervalMs }
      : {}),
  });
  const { db, papers, cards, chats, subscriptions, outbox, search, digests, bot } = app;
  const s: Setup = {
    app,
    db,
    papers,
    cards,
    chats,
    subscriptions,
    outbox,
    search,
    digests,
    personal: app.personal,
    summariser: app.summariser,
    deep: app.deep,
    deepStore: app.deepStore,
    bot,
    clock,
    adminChecks: 0,
    send: (text, o = {}) =>
      bot.handle({
        chat: o.chat ?? GROUP,
        userId: o.userId ?? "1001",
        text,
        isAdmin: async () => {
          s.adminChecks++;
          return o.admin ?? true;
        },
      }),
    say: async (text, o) => (await s.send(text, o)).map(toPlainText).join("\n\n"),
  };
  return s;
}

/** Everything a command could change, to prove a bad input changed nothing. */
export function snapshot(db: Db): string {
  const tables = ["chats", "subscriptions", "outbox", "papers", "cards"];
  return JSON.stringify(
    tables.map((t) =>
      db
        .prepare(`SELECT * FROM ${t} ORDER BY rowid`)
        .all()
        .map((row) => {
          const r = row as Record<string, unknown>;
          // Only the title and type of a chat follow the platform on every message.
          const { updated_at: _u, ...rest } = r;
          return rest;
        }),
    ),
  );
}
