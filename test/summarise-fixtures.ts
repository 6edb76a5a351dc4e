/**
 * Shared set-up for the summariser tests and bench: real papers from test/fixtures/papers.json
 * as Paper objects, an in-memory store holding them, and a summariser against a fake LLM.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, type Logger } from "../src/log.ts";
import { CardStore } from "../src/store/cards.ts";
import { type Db, openDatabase } from "../src/store/db.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { type JsonMode, LlmClient, type LlmClientOptions } from "../src/summarise/llm.ts";
import { Summariser, type SummariserOptions } from "../src/summarise/summariser.ts";

const here = dirname(fileURLToPath(import.meta.url));

interface FixturePaper {
  id: string;
  title: string;
  authors: string[];
  abstract: string;
  primary_category: string;
  categories: string[];
  published: string;
  comment: string | null;
}

/** The 55 fixture papers as Paper objects (version 1, announced on their v1 date). */
export function fixturePapers(): Paper[] {
  const raw = JSON.parse(
    readFileSync(join(here, "fixtures/papers.json"), "utf8"),
  ) as FixturePaper[];
  return raw.map((p) => ({
    id: p.id,
    version: 1,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors.map((name) => ({ name, affiliations: [] })),
    primaryCategory: p.primary_category,
    categories: p.categories,
    comment: p.comment,
    journalRef: null,
    doi: null,
    published: `${p.published}T00:00:00Z`,
    updated: `${p.published}T00:00:00Z`,
    announceDate: p.published,
    announceType: "new",
    codeUrl: null,
  }));
}

/** A synthetic paper, for tests that need many distinct ones. */
export function syntheticPaper(n: number, base: Paper): Paper {
  const id = `2501.${String(10000 + n).padStart(5, "0")}`;
  return { ...base, id, title: `${base.title} (variant ${n})` };
}

/** A logger that keeps its lines, to assert on what was logged. */
export function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: "debug", json: true, write: (l) => lines.push(l) }), lines };
}

export const TEST_KEY = "sk-test-7c1d9e0f-secret-key";
export const TEST_MODEL = "fake-model";

export interface Harness {
  db: Db;
  papers: PaperStore;
  cards: CardStore;
  summariser: Summariser;
  llm: LlmClient | null;
}

/** A store with `papers` in it, and a summariser talking to `url` (null: no key). */
export function harness(
  url: string | null,
  papers: Paper[],
  options: {
    jsonMode?: JsonMode;
    llm?: Partial<LlmClientOptions>;
    summariser?: Partial<SummariserOptions>;
    log?: Logger;
  } = {},
): Harness {
  const db = openDatabase(":memory:");
  const store = new PaperStore(db);
  for (const p of papers) store.upsert(p, { date: p.announceDate ?? "2024-04-24", type: "new" });
  const cards = new CardStore(db);
  const llm =
    url === null
      ? null
      : new LlmClient({
          baseURL: url,
          apiKey: TEST_KEY,
          model: TEST_MODEL,
          jsonMode: options.jsonMode ?? "json_schema",
          timeoutMs: 2000,
          backoffBaseMs: 1,
          backoffMaxMs: 4,
          // backoff and Retry-After waits return at once: no test waits in real time
          sleep: async () => {},
          ...(options.log ? { log: options.log } : {}),
          ...options.llm,
        });
  const summariser = new Summariser({
    cards,
    papers: store,
    llm,
    model: TEST_MODEL,
    dailyTokens: 10_000_000,
    concurrency: 4,
    ...(options.log ? { log: options.log } : {}),
    ...options.summariser,
  });
  return { db, papers: store, cards, summariser, llm };
}
