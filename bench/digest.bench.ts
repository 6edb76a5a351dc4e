/**
 * Selecting digests: 10,000 chats with 5 subscriptions each (3 topics, 1 category, 1 keyword)
 * over an announcement of 1,000 papers (70% with LLM cards, the rest fallback), some already
 * sent. Prints the time of DigestService.forChats in one call and in the scheduler's chunks of
 * 200 chats, and the process's peak memory. Targets: under 2 s and under 300 MB.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseFeed } from "../src/arxiv/parse.ts";
import { DigestService } from "../src/digest/digest.ts";
import type { Card } from "../src/store/card.ts";
import { CardStore } from "../src/store/cards.ts";
import { type Chat, ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { cardParts } from "../src/summarise/parts.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";

const CHATS = Number(process.env.BENCH_CHATS ?? 10_000);
const PAPERS = 1_000;
const DATE = "2024-04-24";
const CHUNK = 200;

const here = dirname(fileURLToPath(import.meta.url));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// A deterministic pseudo-random sequence, so every run selects the same digests.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

const db = openDatabase(":memory:");
const papers = new PaperStore(db);
const cards = new CardStore(db);
const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
const subscriptions = new SubscriptionStore(db);
const outbox = new OutboxStore(db);
const taxonomy = loadTaxonomy();

// 1,000 papers: the sample announcement's real titles and abstracts, under new ids.
const sample = parseFeed(
  readFileSync(join(here, "../data/sample/feed-2024-04-24.rss.xml"), "utf8"),
);
const topicIds = taxonomy.topics.map((t) => t.id);
const ids: string[] = [];
papers.transaction(() => {
  for (let i = 0; i < PAPERS; i++) {
    const base = sample.items[i % sample.items.length] as Paper;
    const id = `2404.${String(30000 + i)}`;
    const paper: Paper = { ...base, id, title: `${base.title} (${i})` };
    papers.upsert(paper, { date: DATE, type: i % 10 === 0 ? "cross" : "new" });
    ids.push(id);
    if (random() < 0.7) {
      const card: Card = {
        title_zh: `中文标题 ${i}`,
        tldr: "一句话总结这篇论文做了什么。",
        motivation: "动机。",
        method: "方法。",
        results: "效果。",
        topics: [pick(topicIds), pick(topicIds)],
        keywords: ["关键词"],
        score: 1 + Math.floor(random() * 5),
        score_reason: "理由。",
        ...cardParts(paper),
        fallback: false,
        prompt_version: "bench",
        model: "bench",
      };
      cards.put(card);
    }
  }
});

// 10,000 chats × 5 subscriptions.
const categories = ["cs.CV", "cs.CL", "cs.LG", "cs.AI", "cs.RO", "stat.ML", "eess.AS"];
const keywords = Array.from({ length: 100 }, (_, i) =>
  i % 2
    ? `diffusion ${["model", "transformer", "policy", "prior", "sampling"][i % 5]}`
    : `benchmark ${i}`,
);
const allChats: Chat[] = [];
db.transaction(() => {
  for (let i = 0; i < CHATS; i++) {
    const chat = chats.ensure({ platform: "telegram", chatId: String(-1000 - i), type: "group" });
    for (let k = 0; k < 3; k++) subscriptions.add(chat.id, "topic", pick(topicIds), null);
    subscriptions.add(chat.id, "category", pick(categories), null);
    subscriptions.add(chat.id, "keyword", pick(keywords), null);
    // Some chats already got a few of the day's papers (by /digest).
    if (i % 4 === 0) outbox.recordSent(chat.id, DATE, [pick(ids), pick(ids)]);
    allChats.push(chat);
  }
})();

global.gc?.();
const before = process.memoryUsage();
const setupPeakRss = process.resourceUsage().maxRSS * 1024;
const digests = new DigestService({ papers, cards, subscriptions, outbox, taxonomy });

let start = performance.now();
const cpuStart = process.cpuUsage();
const all = digests.forChats(allChats, DATE);
const oneCall = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const oneCallCpu = (cpu.user + cpu.system) / 1000;
const heldHeap = process.memoryUsage().heapUsed - before.heapUsed;
const items = all.reduce((n, d) => n + d.items.length, 0);
// What the digests keep alive: the heap after a full collection, the digests still held.
global.gc?.();
const retained = process.memoryUsage().heapUsed - before.heapUsed;

start = performance.now();
const chunkCpuStart = process.cpuUsage();
let chunked = 0;
for (let i = 0; i < allChats.length; i += CHUNK) {
  chunked += digests.forChats(allChats.slice(i, i + CHUNK), DATE).length;
}
const inChunks = performance.now() - start;
const chunkCpu = process.cpuUsage(chunkCpuStart);
const inChunksCpu = (chunkCpu.user + chunkCpu.system) / 1000;

const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(`digest selection: ${CHATS} chats × 5 subscriptions over ${PAPERS} papers`);
console.log(`  digests built            ${all.length} (${items} items, ${chunked} in chunks)`);
console.log(`  forChats, one call       ${oneCall.toFixed(0)} ms   (target < 2000 ms)`);
console.log(`    process CPU time       ${oneCallCpu.toFixed(0)} ms   (all threads, GC included)`);
console.log(`  forChats, chunks of ${CHUNK}  ${inChunks.toFixed(0)} ms`);
console.log(`    process CPU time       ${inChunksCpu.toFixed(0)} ms   (all threads, GC included)`);
console.log(`  heap held by the digests ${mb(heldHeap)}`);
console.log(
  `    retained after GC      ${global.gc ? mb(retained) : "(run with --expose-gc)"} (${all.length} digests held)`,
);
console.log(`  RSS after set-up         ${mb(before.rss)} (peak so far ${mb(setupPeakRss)})`);
console.log(`  peak RSS of the process  ${mb(peakRss)}   (target < 300 MB, set-up included)`);
console.log(
  `  load average             ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
