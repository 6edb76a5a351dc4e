/**
 * Fan-out: one announcement (the 2024-04-24 fixture feed, served by the fake arXiv) ingested,
 * summarised (offline: fallback cards) and delivered as a 10-paper digest to N chats through
 * the fake Bot API, which runs in its own process with Telegram's rate limits, via the real
 * TelegramSender and DeliveryEngine (`sudi run-once`'s path).
 *
 * Figures: messages/s against the platform limit, 429s, duplicates and losses per (chat,
 * paper), time from the feed's update to the last delivery, and peak memory of the delivering
 * process during the fan-out.
 *
 * 2,000 chats run at Telegram's real limits (30/s for the bot; the sender paces at 29/s).
 * 20,000 chats at that pace would take over 11 minutes, so that run scales the bot-wide limit
 * by 10 on both sides (fake: 300/s, sender: 290/s; per-chat and per-group limits unchanged):
 * it measures memory at 10x the chats, not Telegram's pace.
 *
 *   npm run bench -- fanout            (FANOUT_CHATS=2000,20000 to choose the sizes)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { TELEGRAM_PACE } from "../bots/telegram/pacer.ts";
import { TelegramSender } from "../bots/telegram/sender.ts";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { silentLogger } from "../src/log.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { startFakeArxiv } from "../test/fakes/arxiv.ts";
import { TELEGRAM_LIMITS } from "../test/fakes/telegram.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = (process.env.FANOUT_CHATS ?? "2000,20000").split(",").map(Number);
const MB = 1024 * 1024;

interface FakeSummary {
  messages: number;
  firstAt: number;
  lastAt: number;
  rateLimited: number;
  chats: number;
  pairs: Record<string, number>;
}

async function startFakeTelegramProcess(
  limits: unknown,
): Promise<{ apiRoot: string; token: string; control: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin/run-ts.js"), join(ROOT, "test/helpers/fake-telegram-server.ts")],
    {
      env: { ...process.env, FAKE_LIMITS: JSON.stringify(limits) },
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

async function fanout(chats: number): Promise<void> {
  const scale = chats > 2000 ? 10 : 1;
  const limits = {
    ...TELEGRAM_LIMITS,
    global: {
      perSecond: TELEGRAM_LIMITS.global.perSecond * scale,
      burst: TELEGRAM_LIMITS.global.burst,
    },
  };
  const fake = await startFakeTelegramProcess(limits);
  const arxiv = await startFakeArxiv();
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
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
        LOG_LEVEL: "silent",
      },
      {},
    );
    const app = buildApp({ config, log: silentLogger, offline: true });
    const pace = TELEGRAM_PACE.global.perSecond * scale;
    const sender = new TelegramSender({
      token: fake.token,
      apiRoot: fake.apiRoot,
      limits: { global: { perSecond: pace, burst: TELEGRAM_PACE.global.burst } },
    });
    const daemon = app.daemon([sender]);

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
    const run = await daemon.runOnce();
    const elapsed = performance.now() - t0;
    clearInterval(sampler);

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
    console.log(
      [
        `fan-out to ${chats} chats${scale > 1 ? ` (bot-wide limit scaled x${scale}: ${limit}/s)` : " (Telegram's limits: 30/s)"}`,
        `  digests sent        ${run.digestsSent} (failures ${run.failures}), ${expected.size} (chat, paper) pairs, ${expected.size / chats} papers each`,
        `  messages            ${got.messages} to ${got.chats} chats`,
        `  rate                ${rate.toFixed(1)} messages/s = ${((100 * rate) / limit).toFixed(1)}% of the ${limit}/s limit; 429s received: ${got.rateLimited}`,
        `  duplicates          ${duplicates}   losses ${losses}   unexpected ${unexpected}`,
        `  feed update → last delivery  ${(elapsed / 1000).toFixed(1)} s (ingest ${run.papersIngested} papers, ${run.cardsWritten} LLM cards, offline fallback cards)`,
        `  memory              peak RSS ${(peakRss / MB).toFixed(0)} MB (start ${(base.rss / MB).toFixed(0)} MB), peak heap ${(peakHeap / MB).toFixed(0)} MB (start ${(base.heapUsed / MB).toFixed(0)} MB)`,
      ].join("\n"),
    );
  } finally {
    fake.child.kill("SIGTERM");
    await arxiv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const n of SIZES) await fanout(n);
