/**
 * Telegram figures, through the fake Bot API with Telegram's own limits (1 message/s per chat,
 * 20/min per group, 30/s per bot, 429 with retry_after):
 * 1. one digest message broadcast to 1,000 chats: messages/s against the 30/s limit (target
 *    ≥ 90 %), 429s received, duplicates and losses (both must be 0);
 * 2. /paper on a cached card, end to end (update pushed → reply recorded by the fake): p50 and
 *    p99 (target p99 < 100 ms), with the real command handler and an in-memory store.
 * Run: npm run bench -- telegram
 */
import { readFileSync } from "node:fs";
import { startTelegramBot } from "../bots/telegram/bot.ts";
import { TelegramSender } from "../bots/telegram/sender.ts";
import { buildApp } from "../src/app.ts";
import { COMMANDS } from "../src/commands/table.ts";
import { loadConfig } from "../src/config.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { bold, italic, link, type RichMessage, span } from "../src/core/message.ts";
import { silentLogger } from "../src/log.ts";
import { startFakeArxiv } from "../test/fakes/arxiv.ts";
import { startFakeOpenAI } from "../test/fakes/openai.ts";
import { fakeUser, privateChatOf, startFakeTelegram } from "../test/fakes/telegram.ts";

const CHATS = 1000;
const PAPER_SAMPLES = 200;
/** one /paper every 50 ms: 20/s, under the bot's 30/s, so pacing is not what is measured */
const PAPER_GAP_MS = 50;

function digestMessage(): RichMessage {
  const card = (n: number) => ({
    kind: "card" as const,
    paperId: `2304.0664${n}`,
    title: [bold(`DiffFit ${n}：只调偏置和缩放因子，大扩散模型也能快速迁移`)],
    lines: [
      [
        italic(
          "DiffFit: Unlocking Transferability of Large Diffusion Models via Simple Parameter-Efficient Fine-Tuning",
        ),
      ],
      [span("💡 一句话：只微调偏置项和新增的缩放因子，就能把预训练扩散模型快速迁移到新领域。")],
      [span("📈 效果：比全量微调快 2 倍，只需存约 0.12% 的参数；ImageNet 512×512 上 FID 3.02。")],
      [span("🏷 #文生图 #参数高效微调 · 推荐 ★★★★☆")],
      [
        link("arXiv", `https://arxiv.org/abs/2304.0664${n}`),
        span(" · "),
        link("PDF", `https://arxiv.org/pdf/2304.0664${n}`),
      ],
    ],
  });
  return {
    blocks: [
      { kind: "heading", lines: [[bold("📚 论文速递 · 2024-04-24 · 文生图 · 3 篇")]] },
      card(1),
      card(2),
      card(3),
    ],
  };
}

function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

async function broadcast(): Promise<void> {
  const tg = await startFakeTelegram(); // Telegram's limits
  const sender = new TelegramSender({ token: tg.token, apiRoot: tg.apiRoot, log: silentLogger });
  const message = digestMessage();
  const parts = sender.split(message);
  if (parts.length !== 1)
    throw new Error(`the bench digest should be one message, got ${parts.length}`);
  const chats: ChatAddress[] = Array.from({ length: CHATS }, (_, i) =>
    i % 3 === 0
      ? { platform: "telegram", chatId: String(-1_000_000 - i), type: "group" }
      : { platform: "telegram", chatId: String(1_000_000 + i), type: "private" },
  );
  const start = performance.now();
  let failed = 0;
  await Promise.all(
    chats.map((chat) =>
      sender.sendPart(chat, parts[0] as RichMessage).catch(() => {
        failed++;
      }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  let duplicates = 0;
  let losses = 0;
  for (const chat of chats) {
    const n = tg.sentTo(chat.chatId).length;
    if (n === 0) losses++;
    if (n > 1) duplicates += n - 1;
  }
  const rate = tg.sent.length / seconds;
  console.log(`broadcast of one digest message to ${CHATS} chats (Telegram's limits, 1/3 groups)`);
  console.log(`  delivered        ${tg.sent.length} messages in ${seconds.toFixed(1)} s`);
  console.log(
    `  rate             ${rate.toFixed(1)} messages/s = ${((100 * rate) / 30).toFixed(1)}% of 30/s (target ≥ 90%)`,
  );
  console.log(`  429s received    ${sender.stats.rateLimited}`);
  console.log(`  duplicates       ${duplicates}`);
  console.log(`  losses           ${losses} (send failures: ${failed})`);
  sender.close();
  await tg.close();
}

async function paperLatency(): Promise<void> {
  const [llm, arxiv, tg] = await Promise.all([
    startFakeOpenAI(),
    startFakeArxiv(),
    startFakeTelegram(),
  ]);
  arxiv.addApiDocuments(
    readFileSync(new URL("../test/fixtures/telegram/api-2404.14469.xml", import.meta.url), "utf8"),
  );
  const config = loadConfig(
    {
      SUDI_DB_PATH: ":memory:",
      ARXIV_API_URL: arxiv.apiUrl,
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "0",
      OPENAI_API_KEY: "sk-bench-key-for-the-fake",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: "fake-model",
      LOG_LEVEL: "silent",
    },
    {},
  );
  const app = buildApp({ config, log: silentLogger });
  const bot = await startTelegramBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    handler: app.bot,
    lifecycle: app.bot,
    commands: COMMANDS,
    log: silentLogger,
  });
  const ask = async (userId: number) => {
    const user = fakeUser(userId);
    const before = tg.sentTo(user.id).length;
    const start = performance.now();
    tg.message(privateChatOf(user), user, "/paper 2404.14469");
    await tg.waitForSent(user.id, before + 1, 10_000);
    return performance.now() - start;
  };
  const first = await ask(1); // fetches and summarises: the card is cached from here on
  const latencies: number[] = [];
  for (let i = 0; i < PAPER_SAMPLES; i++) {
    const started = performance.now();
    latencies.push(await ask(10 + i));
    const rest = PAPER_GAP_MS - (performance.now() - started);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `/paper 2404.14469 end to end through the fake Bot API (${PAPER_SAMPLES} users, cached card)`,
  );
  console.log(`  first (arXiv + LLM)  ${first.toFixed(1)} ms`);
  console.log(`  p50                  ${percentile(latencies, 50).toFixed(1)} ms`);
  console.log(
    `  p99                  ${percentile(latencies, 99).toFixed(1)} ms (target < 100 ms)`,
  );
  console.log(`  max                  ${latencies.at(-1)?.toFixed(1)} ms`);
  console.log(`  LLM calls            ${llm.requests.length}`);
  await bot.stop();
  app.close();
  await Promise.all([tg.close(), llm.close(), arxiv.close()]);
}

await broadcast();
console.log("");
await paperLatency();
