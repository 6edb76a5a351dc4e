/**
 * 月报 on the 1st, as the scheduler builds it: 20,000 papers over the 22 announcement days of
 * April 2024 (70% with LLM cards, the rest fallback) and 10,000 chats receiving the 月报, each
 * with 3 topic subscriptions, 1 category and 1 keyword. Times ReportService.due() at 09:00
 * Shanghai on 1 May over every chat, consuming each chat's messages (summary, chart photo, the
 * full report as an HTML file) as the delivery engine would before sending, and prints the
 * process's peak memory. Then the chart: render time of a period's chart (PNG via resvg with
 * the CJK font). Targets: under 10 s and 400 MB; under 300 ms a chart.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseFeed } from "../src/arxiv/parse.ts";
import { renderChart } from "../src/reports/chart.ts";
import { ARXIV_CALENDAR, mailingDates, parsePeriod } from "../src/reports/period.ts";
import { ReportBuilder } from "../src/reports/select.ts";
import { chartDataOf, ReportService } from "../src/reports/service.ts";
import type { Card } from "../src/store/card.ts";
import { CardStore } from "../src/store/cards.ts";
import { type Chat, ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { ReportStore } from "../src/store/reports.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { cardParts } from "../src/summarise/parts.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";

const CHATS = Number(process.env.BENCH_CHATS ?? 10_000);
const PAPERS = Number(process.env.BENCH_PAPERS ?? 20_000);
const CHARTS = 20;
const here = dirname(fileURLToPath(import.meta.url));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

// A database file, as in production (an in-memory one would count the whole store in RSS).
const db = openDatabase(join(mkdtempSync(join(tmpdir(), "sudi-bench-reports-")), "sudi.db"));
const papers = new PaperStore(db);
const cards = new CardStore(db);
const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
const subscriptions = new SubscriptionStore(db);
const reportStore = new ReportStore(db);
const taxonomy = loadTaxonomy();
const topicIds = taxonomy.topics.map((t) => t.id);
const WORDS = [
  "扩散模型",
  "LLM",
  "Agent",
  "RLHF",
  "KV cache",
  "世界模型",
  "多模态",
  "强化学习",
  "RAG",
  "评测基准",
];

const sample = parseFeed(
  readFileSync(join(here, "../data/sample/feed-2024-04-24.rss.xml"), "utf8"),
);
const days = mailingDates(parsePeriod("2024-04"), ARXIV_CALENDAR);
const setupStart = performance.now();
papers.transaction(() => {
  for (let i = 0; i < PAPERS; i++) {
    const base = sample.items[i % sample.items.length] as Paper;
    const id = `2404.${String(10000 + i)}`;
    const paper: Paper = { ...base, id, title: `${base.title} (${i})` };
    const date = days[Math.floor((i / PAPERS) * days.length)] as string;
    papers.upsert(paper, { date, type: i % 10 === 0 ? "cross" : "new" });
    if (random() < 0.7) {
      const card: Card = {
        title_zh: `中文标题 ${i}`,
        tldr: "一句话总结这篇论文做了什么。",
        motivation: "动机一句。",
        method: "方法一句，说明做法。",
        results: "效果一句，给出数字。",
        topics: [pick(topicIds), pick(topicIds)],
        keywords: [pick(WORDS), pick(WORDS)],
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
  for (const date of [...days, ...mailingDates(parsePeriod("2024-03"), ARXIV_CALENDAR)]) {
    papers.recordIngestRun({
      announceDate: date,
      categories: ["cs.CV"],
      newCount: 1,
      crossCount: 0,
      replaceCount: 0,
      source: "file",
    });
  }
});

const categories = ["cs.CV", "cs.CL", "cs.LG", "cs.AI", "cs.RO", "stat.ML", "eess.AS"];
const keywords = ["diffusion model", "benchmark", "reinforcement learning", "world model", "video"];
const allChats: Chat[] = [];
db.transaction(() => {
  for (let i = 0; i < CHATS; i++) {
    const chat = chats.ensure({ platform: "telegram", chatId: String(-1000 - i), type: "group" });
    for (let k = 0; k < 3; k++) subscriptions.add(chat.id, "topic", pick(topicIds), null);
    subscriptions.add(chat.id, "category", pick(categories), null);
    subscriptions.add(chat.id, "keyword", pick(keywords), null);
    reportStore.setFrequency(chat.id, ["daily", "monthly"], "2024-03-01T00:00:00Z");
    allChats.push(chat);
  }
})();
const setupMs = performance.now() - setupStart;

global.gc?.();
const before = process.memoryUsage();
const now = Date.parse("2024-05-01T01:00:00Z");
const reports = new ReportService({
  builder: new ReportBuilder({ papers, cards, taxonomy, calendar: ARXIV_CALENDAR, now: () => now }),
  subscriptions,
  settings: reportStore,
});

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let start = performance.now();
let cpuStart = cpu();
let built = 0;
let messages = 0;
let bytes = 0;
let firstRss = 0;
for await (const r of reports.due(allChats, now, () => false, "2024-04-30")) {
  built++;
  // The first report indexes the period (every paper, card and topic match): shared by all.
  if (built === 1) firstRss = process.memoryUsage().rss;
  messages += r.messages.length;
  for (const m of r.messages) for (const a of m.attachments ?? []) bytes += a.data.length;
}
const dueMs = performance.now() - start;
const dueCpu = cpu() - cpuStart;
const peakRss = process.resourceUsage().maxRSS * 1024;

// The chart alone. Cold: the first chart of a fresh process (finding and loading the CJK font,
// shaping every label), several fresh processes. Warm: each chart with a new title (a label never
// drawn before); chapter names, legend and numbers come from the per-process outline cache.
const cold: { wallMs: number; cpuMs: number }[] = [];
for (let i = 0; i < 5; i++) {
  const child = spawnSync(
    process.execPath,
    [join(here, "../bin/run-ts.js"), join(here, "reports-chart-cold.ts")],
    { encoding: "utf8" },
  );
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !line.startsWith("{")) throw new Error(`cold chart: ${child.stderr}`);
  cold.push(JSON.parse(line));
}
const report = reports.builder.buildSync(parsePeriod("2024-04"), null, { popularity: "off" });
const data = chartDataOf(report);
renderChart(data); // this process's first chart
const times: number[] = [];
const cpuTimes: number[] = [];
for (let i = 0; i < CHARTS; i++) {
  start = performance.now();
  cpuStart = cpu();
  renderChart({ ...data, title: `${data.title} ${i}` });
  times.push(performance.now() - start);
  cpuTimes.push(cpu() - cpuStart);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const max = (xs: number[]) => Math.max(...xs);
const load = (await import("node:os")).loadavg()[0]?.toFixed(1);

console.log(`月报 on the 1st: ${CHATS} chats × 5 subscriptions over ${PAPERS} papers (22 days)`);
console.log(
  `  machine load average      ${load} on ${(await import("node:os")).availableParallelism()} cores (wall times suffer; CPU times less)`,
);
console.log(`  set-up (not timed)        ${(setupMs / 1000).toFixed(1)} s`);
console.log(
  `  reports built             ${built} (${messages} messages, ${mb(bytes)} of attachments, base64)`,
);
console.log(`  ReportService.due, all    ${(dueMs / 1000).toFixed(2)} s wall   (target < 10 s)`);
console.log(
  `    process CPU time        ${(dueCpu / 1000).toFixed(2)} s        (all threads, GC included)`,
);
console.log(`  RSS after set-up          ${mb(before.rss)}`);
console.log(`  RSS after the first report ${mb(firstRss)}   (the period indexed)`);
console.log(`  peak RSS of the process   ${mb(peakRss)}   (target < 400 MB, set-up included)`);
console.log(
  `chart render (${data.chapters.length} chapters, ${data.keywords.length} keywords; target < 300 ms)`,
);
console.log(
  `  cold, fresh process ×${cold.length}   CPU median ${median(cold.map((c) => c.cpuMs)).toFixed(0)} ms, max ${max(cold.map((c) => c.cpuMs)).toFixed(0)} ms; wall median ${median(cold.map((c) => c.wallMs)).toFixed(0)} ms, max ${max(cold.map((c) => c.wallMs)).toFixed(0)} ms`,
);
console.log(
  `  warm, new title ×${CHARTS}       CPU median ${median(cpuTimes).toFixed(0)} ms, max ${max(cpuTimes).toFixed(0)} ms; wall median ${median(times).toFixed(0)} ms, max ${max(times).toFixed(0)} ms`,
);
