/**
 * `npm run bench -- summarise`: the summariser against the fake OpenAI-compatible server.
 *
 * 1. Throughput: 500 papers at 300 ms a call and concurrency 8, against the ideal
 *    500 x 0.3 / 8 s (target: at least 85% of ideal), the number of LLM calls (exactly 500),
 *    and a second run (0 calls). The fake runs in a child process, as a real endpoint is
 *    remote: its CPU is not the summariser's.
 * 2. Tokens per card on the 55 sample papers: prompt tokens as the fake counts them (UTF-8
 *    bytes / 4) and as src/summarise/tokens.ts estimates them; completion tokens of the fake's
 *    cards and of a full example card (DiffFit, 2304.06648), closer to what a real model writes.
 *    Targets: median prompt at most 900, completion at most 400.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CardStore } from "../src/store/cards.ts";
import { openDatabase } from "../src/store/db.ts";
import { PaperStore } from "../src/store/papers.ts";
import { LlmClient } from "../src/summarise/llm.ts";
import { Summariser } from "../src/summarise/summariser.ts";
import { estimateChatTokens, estimateTokens } from "../src/summarise/tokens.ts";
import { cardFor, fakeTokens, startFakeOpenAI } from "../test/fakes/openai.ts";
import { fixturePapers, syntheticPaper } from "../test/summarise-fixtures.ts";

const PAPERS = 500;
const LATENCY_MS = 300;
const CONCURRENCY = 8;

interface FakeStats {
  requests: number;
  maxInFlight: number;
}

/** Child mode: serves the fake, prints its URL, answers "stats" / "reset" lines on stdin. */
async function serveFake(latencyMs: number) {
  const fake = await startFakeOpenAI({ latencyMs });
  const reply = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  reply({ url: fake.url });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "reset") fake.reset();
    reply({ requests: fake.requests.length, maxInFlight: fake.maxInFlight } satisfies FakeStats);
  }
  await fake.close();
}

/** The fake LLM in a child process, driven over its stdin/stdout. */
async function remoteFake(latencyMs: number) {
  const file = fileURLToPath(import.meta.url);
  const runTs = join(dirname(file), "../bin/run-ts.js");
  const child = spawn(process.execPath, [runTs, file, "--serve-fake", String(latencyMs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse((await lines.next()).value as string) as T;
  const ask = async (command: string) => {
    child.stdin.write(`${command}\n`);
    return next<FakeStats>();
  };
  const { url } = await next<{ url: string }>();
  return {
    url,
    stats: () => ask("stats"),
    reset: () => ask("reset"),
    close: () =>
      new Promise<void>((resolve) => {
        child.on("exit", () => resolve());
        child.stdin.end();
      }),
  };
}

function summariserFor(dbFile: string, url: string) {
  const db = openDatabase(dbFile);
  const papers = new PaperStore(db);
  const cards = new CardStore(db);
  const llm = new LlmClient({
    baseURL: url,
    apiKey: "sk-bench",
    model: "fake-model",
    jsonMode: "json_schema",
  });
  const summariser = new Summariser({
    cards,
    papers,
    llm,
    model: "fake-model",
    dailyTokens: 1_000_000_000,
    concurrency: CONCURRENCY,
  });
  return { db, papers, cards, summariser };
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5)}, p90 ${at(0.9)}, max ${sorted.at(-1) ?? 0}`;
}

async function throughput() {
  const fake = await remoteFake(LATENCY_MS);
  const h = summariserFor(join(dir, "throughput.db"), fake.url);
  const ids: string[] = [];
  for (let i = 0; i < PAPERS; i++) {
    const base = samples[i % samples.length];
    if (!base) continue;
    const paper = syntheticPaper(i, base);
    h.papers.upsert(paper, { date: "2024-04-24", type: "new" });
    ids.push(paper.id);
  }
  const start = performance.now();
  const report = await h.summariser.summariseMissing();
  const wall = performance.now() - start;
  const first = await fake.stats();
  const ideal = (PAPERS * LATENCY_MS) / CONCURRENCY;
  console.log(
    `papers:              ${report.total} (${report.written} cards, ${report.fallbacks} fallback)`,
  );
  console.log(`LLM calls:           ${first.requests} (target: exactly ${PAPERS})`);
  console.log(`max calls in flight: ${first.maxInFlight} (SUDI_LLM_CONCURRENCY=${CONCURRENCY})`);
  console.log(`wall time:           ${(wall / 1000).toFixed(2)} s`);
  console.log(
    `ideal:               ${(ideal / 1000).toFixed(2)} s (${PAPERS} x ${LATENCY_MS / 1000} / ${CONCURRENCY})`,
  );
  console.log(
    `efficiency:          ${((ideal / wall) * 100).toFixed(1)}% of ideal (target: >= 85%)`,
  );

  await fake.reset();
  const again = performance.now();
  const second = await h.summariser.summariseMissing();
  // Every paper asked for again, as /paper or a digest would: all from the cache.
  await Promise.all(h.papers.getMany(ids).map((p) => h.summariser.cardFor(p)));
  console.log(
    `second run:          ${second.total} papers to do + ${ids.length} cardFor, ${(await fake.stats()).requests} LLM calls, ` +
      `${((performance.now() - again) / 1000).toFixed(3)} s (target: 0 calls)`,
  );
  for (const pass of ["first", "second"]) {
    const read = performance.now();
    const best = h.cards.bestMany(ids);
    console.log(
      `bestMany (${pass}):    ${best.size} cards in ${(performance.now() - read).toFixed(1)} ms (what a digest reads)`,
    );
  }
  h.db.close();
  await fake.close();
}

async function tokens() {
  const fake = await startFakeOpenAI();
  const h = summariserFor(join(dir, "tokens.db"), fake.url);
  for (const p of samples) h.papers.upsert(p, { date: "2024-04-24", type: "new" });
  await h.summariser.summariseMissing();
  const promptFake = fake.requests.map((r) =>
    fakeTokens(r.messages.map((m) => m.content).join("\n")),
  );
  const promptEstimate = fake.requests.map((r) => estimateChatTokens(r.messages));
  const answers = fake.requests.map((r) => JSON.stringify(cardFor(r)));
  const schema = fake.requests[0]?.response_format?.json_schema?.schema;
  console.log(`sample papers:       ${samples.length} (${fake.requests.length} LLM calls)`);
  console.log(`prompt tokens, fake (bytes/4):     ${stats(promptFake)} (target: median <= 900)`);
  console.log(`prompt tokens, estimate:           ${stats(promptEstimate)}`);
  console.log(
    `  + json_schema response_format:  ~${estimateTokens(JSON.stringify(schema ?? {}))} tokens ` +
      "(sent in json_schema mode; providers may count it)",
  );
  console.log(
    `completion, fake cards (bytes/4):  ${stats(answers.map(fakeTokens))} (target: <= 400)`,
  );
  console.log(`completion, fake cards (estimate): ${stats(answers.map(estimateTokens))}`);
  const example = JSON.stringify({
    title_zh: "DiffFit：只调偏置和缩放因子，大扩散模型也能快速迁移",
    tldr: "只微调偏置项和新增的缩放因子，就能把预训练扩散模型快速迁移到新领域。",
    motivation: "大型预训练扩散模型迁移到新领域仍然困难，全量微调又慢又占存储。",
    method: "仅训练特定层的 bias 和新加入的 scaling factor，并从理论上解释缩放因子为何能加速适配。",
    results:
      "比全量微调快 2 倍，只需存约 0.12% 的参数；8 个下游数据集上持平或更好；ImageNet 512×512 上 FID 3.02。",
    topics: ["text-to-image", "diffusion-models"],
    keywords: ["扩散模型", "参数高效微调", "迁移学习"],
    score: 4,
    score_reason: "方法极简、开销小，实用价值高。",
  });
  console.log(
    `completion, example card (DiffFit): ${fakeTokens(example)} (bytes/4), ` +
      `${estimateTokens(example)} (estimate); the request caps it at max_tokens 800`,
  );
  h.db.close();
  await fake.close();
}

async function main() {
  try {
    console.log("-- throughput --");
    await throughput();
    console.log("\n-- tokens per card --");
    await tokens();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const samples = fixturePapers();
const serving = process.argv[2] === "--serve-fake";
const dir = serving ? "" : mkdtempSync(join(tmpdir(), "sudi-bench-summarise-"));
if (serving) await serveFake(Number(process.argv[3]));
else await main();
