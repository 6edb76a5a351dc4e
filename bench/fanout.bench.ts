/**
 * Fan-out, from the feed's update to the last chat's last message: one announcement (the
 * 2024-04-24 fixture feed, served by the fake arXiv) ingested, summarised against the fake LLM
 * (full-size cards, about 800 characters of card JSON each) and delivered as a 10-paper digest
 * of full cards (about 2 messages a chat) to N chats sharing one delivery time, through the
 * fake Bot API in its own process with Telegram's limits and a simulated round trip, via the
 * real TelegramSender and DeliveryEngine with their DEFAULT settings (`sudi run-once`'s path).
 *
 * Figures: messages/s against the limit, the most in any second, 429s, duplicates and losses
 * per (chat, paper), the in-flight window, messages per chat, the time of each stage, and peak
 * memory of the delivering process.
 *
 * The default case, 2,000 chats, runs at Telegram's real limits and a 100 ms round trip. 10,000
 * chats at real pace take over 11 minutes of delivery alone (20,000 messages at 30/s), so that
 * run is accelerated: every rate (the fake's and the sender's: bot, chat and group) is scaled
 * by ACCEL (default 2) and the round trip divided by it, which is the same run with time
 * compressed ACCEL times (the in-flight window, rate × round trip, stays the same). Its delivery
 * time is multiplied back by ACCEL; ingest and summarise run at real speed and are added as
 * measured. CPU work is not compressed, so on a busy machine the projection errs on the slow
 * side (a process that cannot send ACCEL × 30 messages a second measures its CPU, not the
 * pace). The bench therefore also prints the linear projection from the real-pace run's rate:
 * delivery at real pace is bound by pacing, so its time grows with the messages.
 *
 *   npm run bench -- fanout            (FANOUT_CHATS=2000,10000 FANOUT_RTT_MS=100 FANOUT_ACCEL=10)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { TELEGRAM_PACE } from "../bots/telegram/pacer.ts";
import { TelegramSender } from "../bots/telegram/sender.ts";
import { buildApp, createPipeline } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { silentLogger } from "../src/log.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { startFakeArxiv } from "../test/fakes/arxiv.ts";
import { type ChatRequest, cardFor, startFakeOpenAI } from "../test/fakes/openai.ts";
import { TELEGRAM_LIMITS } from "../test/fakes/telegram.ts";
import { startLoadProbe } from "./load.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = (process.env.FANOUT_CHATS ?? "2000,10000").split(",").map(Number);
const RTT_MS = Number(process.env.FANOUT_RTT_MS ?? 100);
const ACCEL = Number(process.env.FANOUT_ACCEL ?? 2);
/** The rate the real-pace (default) run reached, to project larger fan-outs at real pace. */
let realPaceRate = 0;
const MB = 1024 * 1024;

interface FakeSummary {
  messages: number;
  peakPerSecond: number;
  firstAt: number;
  lastAt: number;
  rateLimited: number;
  chats: number;
  pairs: Record<string, number>;
}

async function startFakeTelegramProcess(
  limits: unknown,
  latencyMs: number,
): Promise<{ apiRoot: string; token: string; control: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin/run-ts.js"), join(ROOT, "test/helpers/fake-telegram-server.ts")],
    {
      env: {
        ...process.env,
        FAKE_LIMITS: JSON.stringify(limits),
        FAKE_LATENCY_MS: String(latencyMs),
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    lines.close();
    return { ...JSON.parse(line), child };
  }
  throw new Error("the fake Bot API did not start");
}

function seed(dbPath: string, chats: number): void {
  const db = openDatabase(dbPath);
  const store = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const subs = new SubscriptionStore(db);
  db.transaction(() => {
    for (let i = 0; i < chats; i++) {
      const group = i % 10 === 0;
      const chat = store.ensure({
        platform: "telegram",
        chatId: group ? `-100${1_000_000 + i}` : String(1_000_000 + i),
        type: group ? "group" : "private",
      });
      // cs.CV lists 21 papers and cs.CL 24 in the fixture: every digest is capped at 10.
      subs.add(chat.id, "category", i % 2 ? "cs.CV" : "cs.CL", null);
    }
  })();
  db.close();
}

/** Telegram's limits and our pacing, every rate times `scale`. */
function scaled<T extends { [K in keyof T]: { perSecond: number; burst: number } }>(
  limits: T,
  scale: number,
): T {
  const out = {} as T;
  for (const k of Object.keys(limits) as (keyof T)[]) {
    out[k] = { ...limits[k], perSecond: limits[k].perSecond * scale } as T[keyof T];
  }
  return out;
}

/** A card the size a real LLM writes (about 800 characters of JSON): the fake's, filled out. */
function fullSizeCard(request: ChatRequest) {
  const card = cardFor(request);
  const fill = (text: string, max: number, more: string) =>
    `${text}${more}${more}`.slice(0, max - 1).replace(/[，；]?$/, "。");
  return {
    ...card,
    tldr: fill(card.tldr, 115, "，代码和模型权重已开源。"),
    motivation: fill(
      card.motivation,
      155,
      "已有工作要么只在单一数据集上验证，要么需要额外的人工标注，社区缺少一个通用而廉价的方案。",
    ),
    method: fill(
      card.method,
      195,
      "训练时引入课程式采样，先易后难；推理阶段不增加任何参数，可以直接替换现有模型中的对应模块，部署成本与原方法持平。",
    ),
    results: fill(
      card.results,
      195,
      "在长序列和低资源设置下优势更明显；人工评测中更受偏好，作者还报告了失败案例并分析了原因。",
    ),
    keywords: [...card.keywords, "开源", "消融实验"].slice(0, 5),
    score_reason: "思路清晰、实验扎实、代码开源，对同方向的工作有直接参考价值。",
  };
}

async function fanout(chats: number): Promise<void> {
  const scale = chats > 2000 ? ACCEL : 1;
  const rtt = RTT_MS / scale;
  const fake = await startFakeTelegramProcess(scaled(TELEGRAM_LIMITS, scale), rtt);
  const [arxiv, llm] = await Promise.all([
    startFakeArxiv(),
    startFakeOpenAI({ card: fullSizeCard }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "sudi-fanout-"));
  const dbPath = join(dir, "sudi.db");
  try {
    seed(dbPath, chats);
    const config = loadConfig(
      {
        SUDI_DB_PATH: dbPath,
        ARXIV_RSS_URL: arxiv.rssUrl,
        ARXIV_API_URL: arxiv.apiUrl,
        ARXIV_MIN_INTERVAL_MS: "0",
        SUDI_CATEGORIES: "cs.CL,cs.CV,cs.LG",
        OPENAI_API_KEY: "sk-bench-key-for-the-fake",
        OPENAI_BASE_URL: llm.url,
        OPENAI_MODEL: "fake-model",
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
        LOG_LEVEL: "silent",
      },
      {},
    );
    const app = buildApp({ config, log: silentLogger });
    const sender = new TelegramSender({
      token: fake.token,
      apiRoot: fake.apiRoot,
      ...(scale > 1 ? { limits: scaled(TELEGRAM_PACE, scale) } : {}),
    });
    const stages = { ingestMs: 0, summariseMs: 0 };
    const real = createPipeline(app);
    const timed =
      <A extends unknown[], R>(key: keyof typeof stages, f: (...a: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const t = performance.now();
        try {
          return await f(...args);
        } finally {
          stages[key] += performance.now() - t;
        }
      };
    const pipeline = {
      latestIngested: () => real.latestIngested(),
      ingest: timed("ingestMs", real.ingest),
      summarise: timed("summariseMs", real.summarise),
    };
    const daemon = app.daemon([sender], { pipeline });

    globalThis.gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);

    // The feed is updated (the fake serves the new announcement) at t0.
    const t0 = performance.now();
    const probe = startLoadProbe();
    const run = await daemon.runOnce();
    const elapsed = performance.now() - t0;
    const load = probe.stop(run.digestsSent);
    clearInterval(sampler);
    const window = daemon.engine.window("telegram");

    const outbox = new OutboxStore(app.db);
    const expected = new Map<string, number>();
    const chatStore = new ChatStore(app.db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
    for (const chat of chatStore.listActive()) {
      for (const e of outbox.entries(chat.id)) expected.set(`${chat.chatId}/${e.paperId}`, 0);
    }
    await daemon.shutdown();

    const got = (await (await fetch(`${fake.control}/summary`)).json()) as FakeSummary;
    let duplicates = 0;
    let unexpected = 0;
    for (const [pair, n] of Object.entries(got.pairs)) {
      if (expected.has(pair)) expected.set(pair, n);
      else unexpected++;
      duplicates += Math.max(0, n - 1);
    }
    const losses = [...expected.values()].filter((n) => n === 0).length;
    const span = (got.lastAt - got.firstAt) / 1000;
    const rate = got.messages > 1 ? (got.messages - 1) / span : 0;
    const limit = TELEGRAM_LIMITS.global.perSecond * scale;
    const cardJson = llm.requests.map((r) => JSON.stringify(fullSizeCard(r)).length);
    const meanCard = cardJson.reduce((a, b) => a + b, 0) / Math.max(1, cardJson.length);
    const pipelineS = (stages.ingestMs + stages.summariseMs) / 1000;
    const deliveryS = elapsed / 1000 - pipelineS;
    const minutes = (x: number) => `${(x / 60).toFixed(1)} min`;
    const total = pipelineS + deliveryS * scale;
    if (scale === 1) realPaceRate = rate;
    const linear = realPaceRate > 0 ? pipelineS + got.messages / realPaceRate : 0;
    console.log(
      [
        scale > 1
          ? `fan-out to ${chats} chats, ${RTT_MS} ms round trip, ACCELERATED x${scale}: every rate x${scale} (bot ${limit}/s), round trip ${rtt} ms; delivery time x${scale} below`
          : `fan-out to ${chats} chats, ${RTT_MS} ms round trip, Telegram's real limits (30/s), default settings`,
        `  cards               ${run.cardsWritten} LLM cards, ${meanCard.toFixed(0)} characters of card JSON on average; ${llm.requests.length} LLM calls`,
        `  digests sent        ${run.digestsSent} (failures ${run.failures}, uncertain ${run.uncertain}), ${expected.size} (chat, paper) pairs, ${(expected.size / chats).toFixed(1)} papers each`,
        `  messages            ${got.messages} to ${got.chats} chats = ${(got.messages / chats).toFixed(2)} a chat`,
        `  rate                ${rate.toFixed(1)} messages/s = ${((100 * rate) / limit).toFixed(1)}% of the ${limit}/s limit; most in 1 s ${got.peakPerSecond}; 429s ${got.rateLimited}`,
        `  in flight           window ${window.size} of cap ${window.cap} (peak ${window.peak}), observed round trip ${window.roundTripMs?.toFixed(0)} ms, busy p90 ${window.busyMs?.toFixed(0)} ms`,
        `  machine             ${load} (CPU per digest)`,
        `  duplicates          ${duplicates}   losses ${losses}   unexpected ${unexpected}`,
        `  stages              ingest ${(stages.ingestMs / 1000).toFixed(1)} s (${run.papersIngested} papers), summarise ${(stages.summariseMs / 1000).toFixed(1)} s, deliver ${deliveryS.toFixed(1)} s${scale > 1 ? ` (x${scale} = ${minutes(deliveryS * scale)} at real pace)` : ""}`,
        `  feed update → last delivery  ${scale > 1 ? `${minutes(total)} projected at real pace (measured ${(elapsed / 1000).toFixed(1)} s accelerated)` : `${(elapsed / 1000).toFixed(1)} s = ${minutes(elapsed / 1000)}`}; floor ${minutes(got.messages / 30)} (${got.messages} messages at 30/s); goal ≤ 15 min at 10,000 chats`,
        ...(scale > 1 && linear > 0
          ? [
              `  at real pace        ${minutes(linear)} projected from the real-pace run's ${realPaceRate.toFixed(1)} messages/s (${got.messages} messages + ingest and summarise)`,
            ]
          : []),
        `  memory              peak RSS ${(peakRss / MB).toFixed(0)} MB (start ${(base.rss / MB).toFixed(0)} MB), peak heap ${(peakHeap / MB).toFixed(0)} MB (start ${(base.heapUsed / MB).toFixed(0)} MB)`,
      ].join("\n"),
    );
  } finally {
    fake.child.kill("SIGTERM");
    await Promise.all([arxiv.close(), llm.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of SIZES) await fanout(n);
