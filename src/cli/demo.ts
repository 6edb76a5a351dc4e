/**
 * `sudi demo`: the whole pipeline on the bundled sample data (data/sample), offline and
 * without an LLM key, in a throw-away in-memory database: ingest an arXiv announcement feed,
 * write cards (hand-written sample cards for a few papers, fallback cards for the rest), then
 * a scripted chat in a demo group (subscribe, digest in both densities, search, and /paper on
 * a paper the feed did not list, served from the sample API response instead of arXiv).
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { buildApp } from "../app.ts";
import { ArxivClient } from "../arxiv/client.ts";
import { ingestAnnouncement } from "../arxiv/ingest.ts";
import { loadConfig } from "../config.ts";
import type { ChatAddress } from "../core/address.ts";
import { SHORT_CARD, storedShape } from "../core/card-sections.ts";
import { DEMO } from "../core/texts/cli.ts";
import { toPlainText } from "../digest/render/text.ts";
import { createLogger } from "../log.ts";
import type { Card } from "../store/card.ts";
import { cardParts } from "../summarise/parts.ts";
import { type CliCommand, type CliIo, parseFlags } from "./command.ts";

const SAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../data/sample");
const FEED_FILE = "feed-2024-04-24.rss.xml";
const API_FILE = "api-id_list.xml";
const CARDS_FILE = "cards.json";
/** The categories the sample feed covers. */
const SAMPLE_CATEGORIES = ["cs.CL", "cs.CV", "cs.LG"];

export const SAMPLE_PROMPT_VERSION = "sample-v1";
export const SAMPLE_MODEL = "sample";

/** Sample cards hold the fields of the card's section table; a field they lack is empty. */
const SampleCardsSchema = z.object({
  cards: z.record(z.string(), z.object(storedShape(SHORT_CARD)).strict()),
});

const DEMO_CHAT: ChatAddress = {
  platform: "console",
  chatId: "demo",
  type: "group",
  title: DEMO.chatTitle,
};

/** What the demo group types, in order. */
export const DEMO_SCRIPT = [
  "/subscribe 文生图，文生视频，智能体，对齐，speculative decoding",
  "/list",
  "/digest",
  "/setformat brief",
  "/digest",
  "/search 投机解码",
  "/paper 2404.06674",
];

/**
 * A fetch that answers every arXiv API request with the sample API response, so /paper works
 * with no network. Nothing else is ever requested by the demo.
 */
function sampleFetch(apiXml: string): typeof globalThis.fetch {
  return async () =>
    new Response(apiXml, { status: 200, headers: { "content-type": "application/atom+xml" } });
}

async function run(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, {});
  const env = { ...io.env, SUDI_DB_PATH: ":memory:", OPENAI_API_KEY: "" };
  const config = loadConfig(env, {});
  const log = createLogger({ level: io.env.LOG_LEVEL ? config.LOG_LEVEL : "warn" });
  const apiXml = readFileSync(join(SAMPLE_DIR, API_FILE), "utf8");
  const client = new ArxivClient({
    apiUrl: config.ARXIV_API_URL,
    rssUrl: config.ARXIV_RSS_URL,
    minIntervalMs: 0,
    fetch: sampleFetch(apiXml),
    log,
  });
  const app = buildApp({ config, log, offline: true, arxiv: client });
  try {
    const { bot } = app;

    io.out(DEMO.banner);
    const ingest = await ingestAnnouncement(
      { client, store: app.papers, log },
      { categories: SAMPLE_CATEGORIES, file: join(SAMPLE_DIR, FEED_FILE) },
    );
    io.out(
      DEMO.ingested(ingest.announceDate, ingest.newCount, ingest.crossCount, ingest.replaceCount),
    );

    const sample = SampleCardsSchema.parse(
      JSON.parse(readFileSync(join(SAMPLE_DIR, CARDS_FILE), "utf8")),
    );
    let written = 0;
    for (const [id, llm] of Object.entries(sample.cards)) {
      const paper = app.papers.get(id);
      if (!paper) continue;
      const card: Card = {
        ...llm,
        ...cardParts(paper),
        fallback: false,
        prompt_version: SAMPLE_PROMPT_VERSION,
        model: SAMPLE_MODEL,
      };
      app.cards.put(card);
      written++;
    }
    const report = await app.summariser.summariseMissing();
    io.out(DEMO.cards(written, report.fallbacks));
    io.out(DEMO.script(DEMO.chatTitle));

    for (const text of DEMO_SCRIPT) {
      io.out(`> ${text}`);
      const replies = await bot.handle({
        chat: DEMO_CHAT,
        userId: "demo-admin",
        text,
        isAdmin: async () => true,
      });
      for (const r of replies) io.out(`${toPlainText(r)}\n\n`);
    }
    io.out(DEMO.done);
    return 0;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "demo",
  help: [
    "Usage: sudi demo",
    "",
    "Runs ingest, summarise and a scripted chat (subscribe, digest, search, paper) on the",
    "sample data in data/sample, in an in-memory database: no network, no LLM key, and",
    "SUDI_DB_PATH is never touched. Cards for a few papers are hand-written samples; the",
    "others are fallback cards, as without OPENAI_API_KEY.",
  ].join("\n"),
  run,
};
