/**
 * The web archive for bench/web.bench.ts, in a process of its own so its RSS is the server's
 * alone: the sample announcement plus five synthetic days of 400 papers with real-shaped
 * cards (about the size of a real cs.* announcement). Prints {"port": N} once it listens.
 */

import type { Paper } from "../src/store/paper.ts";
import { cardParts } from "../src/summarise/parts.ts";
import { startWebServer } from "../src/web/server.ts";
import { webDeps } from "../src/web/wiring.ts";
import { sampleApp } from "../test/helpers/web-archive.ts";

export const SYNTHETIC_DAYS = [
  "2024-04-17",
  "2024-04-18",
  "2024-04-19",
  "2024-04-22",
  "2024-04-23",
];
export const PAPERS_A_DAY = 400;

/** The id of synthetic paper `n` of day `d`. */
export const syntheticId = (d: number, n: number) => `2404.${30000 + d * 1000 + n}`;

const { app, services } = await sampleApp();
const samples = [
  ...services.cards.bestMany(services.papers.announced("2024-04-24").map((p) => p.id)).values(),
].filter((c) => !c.fallback);
services.papers.transaction(() => {
  SYNTHETIC_DAYS.forEach((date, d) => {
    for (let n = 0; n < PAPERS_A_DAY; n++) {
      const model = samples[n % samples.length];
      if (!model) continue;
      const id = syntheticId(d, n);
      const paper: Paper = {
        id,
        version: 1,
        title: `${model.title_en} (${id})`,
        abstract: `A synthetic abstract for ${id}. `.repeat(20),
        authors: [
          { name: "Ada Lovelace", affiliations: [] },
          { name: "Alan Turing", affiliations: [] },
        ],
        primaryCategory: "cs.CV",
        categories: ["cs.CV", "cs.LG"],
        comment: null,
        journalRef: null,
        doi: null,
        published: `${date}T00:00:00Z`,
        updated: `${date}T00:00:00Z`,
        announceDate: null,
        announceType: null,
        codeUrl: null,
      };
      services.papers.upsert(paper, { date, type: "new" });
      services.cards.put({ ...model, ...cardParts(paper), title_zh: `${model.title_zh}（${n}）` });
    }
  });
});
const deps = { ...webDeps(app), searchesPerMinute: 1e9 };
const server = await startWebServer(deps, { port: 0, host: "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on("SIGTERM", async () => {
  await server.stop();
  app.close();
  process.exit(0);
});
