/**
 * The wiring: one place that turns a Config into the running pieces (database, logger, and the
 * services of each stage). CLI commands and bots get what they need from here.
 */
import { ArxivClient } from "./arxiv/client.ts";
import { type Config, loadConfig, secretsOf } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { CardStore } from "./store/cards.ts";
import { type Db, openDatabase } from "./store/db.ts";
import { PaperStore } from "./store/papers.ts";
import { createSummariser, type Summariser } from "./summarise/summariser.ts";

export interface App {
  config: Config;
  log: Logger;
  db: Db;
  cards: CardStore;
  papers: PaperStore;
  /** the one arXiv client of this process (created on first use), so every request is paced */
  arxiv(): ArxivClient;
  /** created on first use (it reads the prompt file and the taxonomy) */
  readonly summariser: Summariser;
  close(): void;
}

export function openApp(config: Config = loadConfig(), log?: Logger): App {
  const logger = log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  const db = openDatabase(config.SUDI_DB_PATH);
  const cards = new CardStore(db);
  const papers = new PaperStore(db);
  let arxiv: ArxivClient | undefined;
  let summariser: Summariser | undefined;
  return {
    config,
    log: logger,
    db,
    cards,
    papers,
    arxiv: () => {
      arxiv ??= new ArxivClient({
        apiUrl: config.ARXIV_API_URL,
        rssUrl: config.ARXIV_RSS_URL,
        minIntervalMs: config.ARXIV_MIN_INTERVAL_MS,
        log: logger,
      });
      return arxiv;
    },
    get summariser() {
      summariser ??= createSummariser(config, { cards, papers, log: logger });
      return summariser;
    },
    close: () => db.close(),
  };
}
