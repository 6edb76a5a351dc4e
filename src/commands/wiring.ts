/**
 * Builds the chat side of sudi from an opened App: the stores, the summariser, a lazily
 * created arXiv client, the digest service and the command handler. `sudi start`, `sudi demo`
 * and `sudi digest` use it; so can src/app.ts when it wires the adapters and the scheduler.
 */
import type { App } from "../app.ts";
import type { ArxivClient } from "../arxiv/client.ts";
import { DigestService } from "../digest/digest.ts";
import type { CardStore } from "../store/cards.ts";
import { ChatStore } from "../store/chats.ts";
import { DeliveryStore } from "../store/deliveries.ts";
import { OutboxStore } from "../store/outbox.ts";
import type { PaperStore } from "../store/papers.ts";
import { SearchStore } from "../store/search.ts";
import { SubscriptionStore } from "../store/subscriptions.ts";
import { createSummariser, type Summariser } from "../summarise/summariser.ts";
import { type ChatBot, createCommandHandler } from "./handler.ts";

export interface ChatServices {
  papers: PaperStore;
  cards: CardStore;
  chats: ChatStore;
  subscriptions: SubscriptionStore;
  outbox: OutboxStore;
  deliveries: DeliveryStore;
  search: SearchStore;
  digests: DigestService;
  summariser: Summariser;
  /** created on first use, so a console session that never runs /paper opens no client */
  arxiv: () => ArxivClient;
  bot: ChatBot;
}

export interface ChatServiceOptions {
  /** build the summariser without an LLM even when a key is set (the offline demo) */
  offline?: boolean;
  clock?: () => Date;
  /** the arXiv client to use instead of one built from the config (the demo's offline one) */
  arxiv?: ArxivClient;
}

export function createChatServices(app: App, options: ChatServiceOptions = {}): ChatServices {
  const { config, db, log, papers, cards } = app;
  const chats = new ChatStore(db, {
    timezone: config.SUDI_TIMEZONE,
    digestTime: config.SUDI_DIGEST_TIME,
  });
  const subscriptions = new SubscriptionStore(db);
  const outbox = new OutboxStore(db);
  const deliveries = new DeliveryStore(db, outbox);
  const search = new SearchStore(db);
  const digests = new DigestService({ papers, cards, subscriptions, outbox });
  // One summariser and one arXiv client per process: they hold the LLM cache of in-flight
  // calls, the token budget and the arXiv pacing, which must not be split in two.
  const summariser = options.offline
    ? createSummariser({ ...config, OPENAI_API_KEY: undefined }, { cards, papers, log })
    : app.summariser;
  const arxiv = options.arxiv ? () => options.arxiv as ArxivClient : () => app.arxiv();
  const bot = createCommandHandler({
    chats,
    subscriptions,
    papers,
    cards,
    search,
    outbox,
    summariser,
    arxiv,
    digests,
    config,
    log,
    clock: options.clock,
  });
  return {
    papers,
    cards,
    chats,
    subscriptions,
    outbox,
    deliveries,
    search,
    digests,
    summariser,
    arxiv,
    bot,
  };
}
