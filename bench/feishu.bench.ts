/**
 * Feishu delivery rate against Feishu's limits for one custom bot (5 requests/s, 100/min),
 * through the delivery engine and the Feishu sender, to the fake Feishu (which refuses with
 * 11232 beyond either limit): one digest of 130 parts to one group.
 * Figures: parts/s over the first 100 (limit 5/s), the most parts in any 60 s window (limit
 * 100), total time, 11232 refusals (target 0), papers delivered (all, once).
 * Run: npm run bench -- feishu   (about 70 s: the per-minute limit is what it waits for)
 */
import { FeishuSender } from "../bots/feishu/sender.ts";
import { feishuChatId } from "../bots/feishu/settings.ts";
import { buildApp } from "../src/app.ts";
import { bold, type RichMessage, span } from "../src/core/message.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { silentLogger } from "../src/log.ts";
import { EndpointStore } from "../src/store/endpoints.ts";
import { startFakeFeishu } from "../test/fakes/feishu.ts";

const PARTS = 130;
const feishu = await startFakeFeishu();
const hook = feishu.addHook({ secret: "bench-secret-1" });
const app = buildApp({
  env: { SUDI_DB_PATH: ":memory:", LOG_LEVEL: "silent" },
  dotenv: {},
  log: silentLogger,
});
const services = app;
const endpoints = new EndpointStore(app.db);
const chat = services.chats.ensure({
  platform: "feishu",
  chatId: feishuChatId(hook.url),
  type: "group",
  title: "组会",
});
endpoints.set(chat.id, { webhook: hook.url, secret: "bench-secret-1" });

// Cards of ~12 KB each, so each part carries one (Feishu takes 20 KB a request).
const long = "扩散模型在视频生成上的方法与效果。".repeat(230);
const message: RichMessage = {
  blocks: Array.from({ length: PARTS }, (_, i) => ({
    kind: "card" as const,
    paperId: `2404.${String(10000 + i)}`,
    title: [bold(`论文 ${i + 1}`)],
    lines: [[span(long)]],
  })),
};
const sender = new FeishuSender({ endpoints, log: silentLogger });
const engine = new DeliveryEngine(
  {
    outbox: services.outbox,
    deliveries: services.deliveries,
    chats: services.chats,
    senders: { feishu: sender },
  },
  { retries: 3 },
);
const started = Date.now();
const outcome = await engine.deliver({ chat, announceDate: "2024-04-24", message });
const total = (Date.now() - started) / 1000;

const times = hook.hook.times.filter((_, i) => i < hook.hook.cards.length + 1000);
const first100 = ((times[99] ?? 0) - (times[0] ?? 0)) / 1000;
let maxMinute = 0;
let maxSecond = 0;
for (const t of times) {
  maxMinute = Math.max(maxMinute, times.filter((x) => x >= t && x - t < 60_000).length);
  maxSecond = Math.max(maxSecond, times.filter((x) => x >= t && x - t < 1000).length);
}
const sent = services.outbox.sentAmong(
  chat.id,
  message.blocks.map((b) => b.paperId ?? ""),
).size;
console.log(
  `outcome: ${outcome}; parts accepted: ${hook.hook.cards.length} of ${PARTS}; papers marked sent: ${sent}`,
);
console.log(
  `first 100 parts in ${first100.toFixed(1)} s: ${(99 / first100).toFixed(2)} parts/s (limit 5/s, ${((99 / first100 / 5) * 100).toFixed(0)} % of it)`,
);
console.log(`most parts in any 1 s: ${maxSecond} (limit 5); in any 60 s: ${maxMinute} (limit 100)`);
console.log(`all ${PARTS} parts in ${total.toFixed(1)} s; 11232 refusals: ${feishu.rateLimited()}`);
app.close();
await feishu.close();
