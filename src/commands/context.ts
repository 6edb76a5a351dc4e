/**
 * What every command gets: the stores and services it may use (CommandDeps, injected once by
 * the wiring) and the one message it is answering (CommandContext).
 */
import type { ArxivClient } from "../arxiv/client.ts";
import type { Config } from "../config.ts";
import type { RichMessage } from "../core/message.ts";
import type { WebLinks } from "../core/web-links.ts";
import type { DigestService } from "../digest/digest.ts";
import type { Logger } from "../log.ts";
import type { ReportService } from "../reports/service.ts";
import type { Card } from "../store/card.ts";
import type { CardStore } from "../store/cards.ts";
import type { Chat, ChatStore } from "../store/chats.ts";
import type { DeepStore } from "../store/deep.ts";
import type { FeedTokenStore } from "../store/feeds.ts";
import type { OutboxStore } from "../store/outbox.ts";
import type { Paper } from "../store/paper.ts";
import type { PaperStore } from "../store/papers.ts";
import type { ReportStore } from "../store/reports.ts";
import type { SearchStore } from "../store/search.ts";
import type { SubscriptionStore } from "../store/subscriptions.ts";
import type { DeepReader } from "../summarise/deep.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import type { PersonalServices } from "./personal.ts";
import type { Incoming } from "./types.ts";

export interface CommandLimits {
  /** subscriptions a chat may hold */
  maxSubscriptions: number;
  /** /paper requests per user per window */
  paperPerWindow: number;
  paperWindowMs: number;
  /** new (uncached) deep reads per user, and per group chat, per UTC day */
  deepPerUserDay: number;
  deepPerGroupDay: number;
  /** new /ask questions per user, and per group chat, per UTC day */
  askPerDay: number;
}

export const DEFAULT_LIMITS: CommandLimits = {
  maxSubscriptions: 50,
  paperPerWindow: 10,
  paperWindowMs: 60_000,
  deepPerUserDay: 5,
  deepPerGroupDay: 20,
  askPerDay: 30,
};

/** What /deep and /ask use: the deep reader and the daily count of new ones. */
export interface DeepDeps {
  reader: Pick<DeepReader, "deepCard" | "ask" | "cached" | "cachedAnswer">;
  quota: Pick<DeepStore, "used" | "use">;
}

export interface CommandDeps {
  chats: ChatStore;
  subscriptions: SubscriptionStore;
  papers: Pick<PaperStore, "get" | "getMany" | "upsert" | "latestAnnounceDate">;
  cards: Pick<CardStore, "bestMany">;
  search: Pick<SearchStore, "search">;
  outbox: Pick<OutboxStore, "sentAmong" | "recordSent">;
  /** the summariser: cached, and shares one LLM call between concurrent requests */
  summariser: { cardFor(paper: Paper): Promise<Card>; readonly hasLlm?: boolean };
  /** called only when /paper needs arXiv, so a bot that never fetches never builds a client */
  arxiv: () => Pick<ArxivClient, "fetchByIds">;
  digests: DigestService;
  deep: DeepDeps;
  /** 周报/月报 (/setfreq, /report, /setformat 表格); the commands say so when absent */
  reports?: ReportService;
  reportStore?: ReportStore;
  config: Pick<Config, "SUDI_TIMEZONE" | "SUDI_DIGEST_TIME">;
  /** the chats' Atom feed tokens (/feed) */
  feeds: Pick<FeedTokenStore, "ensure" | "reset">;
  /** the web archive's public links (SUDI_PUBLIC_URL), or null when it has no public URL */
  links: WebLinks | null;
  log: Logger;
  clock?: () => Date;
  taxonomy?: Taxonomy;
  limits?: Partial<CommandLimits>;
  /** follows, mutes, votes, saved papers, learned ranking, members */
  personal: PersonalServices;
  /** how often a message's button counts may be edited, per chat; default 3 s */
  relabelIntervalMs?: number;
}

/** One command being answered. */
export interface CommandContext {
  incoming: Incoming;
  /** the chat, created on first contact */
  chat: Chat;
  /** the argument text after the command word, NFKC-folded and trimmed */
  args: string;
  now: Date;
}

/** A command's implementation: the replies to send, in order. */
export type Command = (ctx: CommandContext) => Promise<RichMessage[]> | RichMessage[];
