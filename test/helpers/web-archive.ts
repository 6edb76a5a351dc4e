/**
 * A web archive over the bundled sample announcement (data/sample, 2024-04-24), with the
 * sample cards, plus one paper whose title, abstract and card hold markup, quotes and control
 * characters, so every page and feed shows them escaped. Served on 127.0.0.1, any free port.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { type App, buildApp } from "../../src/app.ts";
import { ArxivClient } from "../../src/arxiv/client.ts";
import { ingestAnnouncement } from "../../src/arxiv/ingest.ts";
import { SHORT_CARD, storedShape } from "../../src/core/card-sections.ts";
import { silentLogger } from "../../src/log.ts";
import type { Card } from "../../src/store/card.ts";
import type { Paper } from "../../src/store/paper.ts";
import { cardParts } from "../../src/summarise/parts.ts";
import { startWebServer, type WebDeps, type WebServer } from "../../src/web/server.ts";
import { webDeps } from "../../src/web/wiring.ts";

const SAMPLE = join(import.meta.dirname, "../../data/sample");

export const HOSTILE_ID = "2404.99999";
export const HOSTILE_TITLE = `<script>alert("x")</script> & 'quotes' ]]> \u0007bell`;

export interface WebFixture {
  app: App;
  /** the same App (the stores and services tests use) */
  services: App;
  server: WebServer;
  base: string;
  close(): Promise<void>;
}

/** Papers, cards and the day 2024-04-24 in a fresh store (file or memory). */
export async function sampleApp(dbPath = ":memory:", env: Record<string, string> = {}) {
  const client = new ArxivClient({
    apiUrl: "http://127.0.0.1:9/api",
    rssUrl: "http://127.0.0.1:9/rss",
    minIntervalMs: 0,
    fetch: async () => new Response("", { status: 500 }),
  });
  const app = buildApp({
    env: { SUDI_DB_PATH: dbPath, LOG_LEVEL: "silent", OPENAI_API_KEY: "", ...env },
    dotenv: {},
    log: silentLogger,
    offline: true,
    arxiv: client,
  });
  const services = app;
  await ingestAnnouncement(
    { client, store: services.papers, log: silentLogger },
    { categories: ["cs.CL", "cs.CV", "cs.LG"], file: join(SAMPLE, "feed-2024-04-24.rss.xml") },
  );
  const sample = z
    .object({ cards: z.record(z.string(), z.object(storedShape(SHORT_CARD))) })
    .parse(JSON.parse(readFileSync(join(SAMPLE, "cards.json"), "utf8")));
  for (const [id, llm] of Object.entries(sample.cards)) {
    const paper = services.papers.get(id);
    if (!paper) continue;
    services.cards.put({
      ...llm,
      ...cardParts(paper),
      fallback: false,
      prompt_version: "sample-v1",
      model: "sample",
    });
  }
  const hostile: Paper = {
    id: HOSTILE_ID,
    version: 1,
    title: HOSTILE_TITLE,
    abstract: `Text-to-video diffusion. <img src=x onerror=alert(1)> & "more"`,
    authors: [{ name: "Eve <eve@example.org>", affiliations: [] }],
    primaryCategory: "cs.CV",
    categories: ["cs.CV"],
    comment: null,
    journalRef: null,
    doi: null,
    published: "2024-04-23T17:00:00Z",
    updated: "2024-04-23T17:00:00Z",
    announceDate: null,
    announceType: null,
    codeUrl: "javascript:alert(1)",
  };
  services.papers.upsert(hostile, { date: "2024-04-24", type: "new" });
  const card: Card = {
    title_zh: `恶意标题 <b>加粗</b> & "引号"`,
    tldr: `一句话 <script>x</script>`,
    motivation: "动机 </p><p>",
    method: "方法 ]]>",
    results: "效果 &amp;",
    topics: ["text-to-video"],
    keywords: ["<i>kw</i>"],
    score: 4,
    score_reason: "理由",
    ...cardParts(services.papers.get(HOSTILE_ID) as Paper),
    fallback: false,
    prompt_version: "sample-v1",
    model: "sample",
  };
  services.cards.put(card);
  await services.summariser.summariseMissing();
  return { app, services };
}

export async function startSampleArchive(
  options: { env?: Record<string, string>; deps?: Partial<WebDeps> } = {},
): Promise<WebFixture> {
  const { app, services } = await sampleApp(":memory:", options.env);
  const deps = { ...webDeps(app), ...options.deps };
  const server = await startWebServer(deps, { port: 0, host: "127.0.0.1" });
  return {
    app,
    services,
    server,
    base: `http://127.0.0.1:${server.port}`,
    close: async () => {
      await server.stop();
      app.close();
    },
  };
}
