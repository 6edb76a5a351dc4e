/**
 * 月报 on the 1st, as the scheduler builds it: 20,000 papers over the 22 announcement days of
 * April 2024 (70% with LLM cards, the rest fallback), as many in March (the header compares
 * each chapter with the month before, so both months are indexed), and 10,000 chats receiving
 * the 月报, each with 3 topic subscriptions, 1 category and 1 keyword. Runs what the scheduler
 * runs at 09:00 Shanghai on 1 May (bench/reports-due.ts: the app from the composition root,
 * ReportService.due() over every chat, each chat's messages consumed as the delivery engine
 * would before sending): in fresh processes over the filled store (the scheduler's own
 * process; several rounds), then in this process after filling it (set-up included), with
 * CPU time, wall time and peak RSS. Then the chart: render time of a period's chart (PNG via
 * resvg with the CJK font). Targets: under 10 s and 400 MB; under 300 ms a chart.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseFeed } from "../src/arxiv/parse.ts";
import { renderChart } from "../src/reports/chart.ts";
import { ARXIV_CALENDAR, mailingDates, parsePeriod } from "../src/reports/period.ts";
import { chartDataOf } from "../src/reports/service.ts";
import type { Card } from "../src/store/card.ts";
import { CardStore } from "../src/store/cards.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { ReportStore } from "../src/store/reports.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { cardParts } from "../src/summarise/parts.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import { benchApp, type DueFigures, runDue } from "./reports-due.ts";

const CHATS = Number(process.env.BENCH_CHATS ?? 10_000);
const PAPERS = Number(process.env.BENCH_PAPERS ?? 20_000);
/** papers of the previous month (March), which the header compares against */
const PREVIOUS = Number(process.env.BENCH_PREVIOUS ?? PAPERS);
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
const dbPath = join(mkdtempSync(join(tmpdir(), "sudi-bench-reports-")), "sudi.db");
const db = openDatabase(dbPath);
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
const march = mailingDates(parsePeriod("2024-03"), ARXIV_CALENDAR);
const setupStart = performance.now();
// March too: the 月报's header compares each chapter with the previous month, so the
// scheduler indexes both months.
const month = (i: number) =>
  i < PREVIOUS
    ? { id: `2403.${String(10000 + i)}`, dates: march, at: i / PREVIOUS }
    : { id: `2404.${String(10000 + i - PREVIOUS)}`, dates: days, at: (i - PREVIOUS) / PAPERS };
papers.transaction(() => {
  for (let i = 0; i < PREVIOUS + PAPERS; i++) {
    const base = sample.items[i % sample.items.length] as Paper;
    const { id, dates, at } = month(i);
    const paper: Paper = { ...base, id, title: `${base.title} (${i})` };
    const date = dates[Math.floor(at * dates.length)] as string;
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
  for (const date of [...days, ...march]) {
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
db.transaction(() => {
  for (let i = 0; i < CHATS; i++) {
    const chat = chats.ensure({ platform: "telegram", chatId: String(-1000 - i), type: "group" });
    for (let k = 0; k < 3; k++) subscriptions.add(chat.id, "topic", pick(topicIds), null);
    subscriptions.add(chat.id, "category", pick(categories), null);
    subscriptions.add(chat.id, "keyword", pick(keywords), null);
    reportStore.setFrequency(chat.id, ["daily", "monthly"], "2024-03-01T00:00:00Z");
  }
})();
const setupMs = performance.now() - setupStart;

global.gc?.();
const before = process.memoryUsage();
const NOW = "2024-05-01T01:00:00Z";
const now = Date.parse(NOW);

// The scheduler's own process: a fresh one over the filled store (the set-up's memory is not
// in it). Then the same run in this process, after the set-up filled the store.
// Several rounds: CPU time and the peak (which depends on when V8 collects) vary between runs.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const rounds: (DueFigures & { baseRss: number })[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const child = spawnSync(
    process.execPath,
    [join(here, "../bin/run-ts.js"), join(here, "reports-due.ts"), dbPath, NOW, "2024-04-30"],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  const childLine = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !childLine.startsWith("{")) throw new Error(`due: ${child.stderr}`);
  rounds.push(JSON.parse(childLine));
}
const load = (await import("node:os")).loadavg()[0]?.toFixed(1);
const app = benchApp(dbPath, now);
const inProcess = await runDue(app, now, "2024-04-30");
const reports = app.reports;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let start = 0;
let cpuStart = 0;

// The chart alone. Cold: the first chart of a fresh process (finding and loading the CJK font,
// shaping every label), several fresh processes. Warm: each chart with a new title (a label never
// drawn before); chapter names, legend and numbers come from the per-process outline cache.
const CHART = process.env.BENCH_CHART !== "0";
const cold: { wallMs: number; cpuMs: number }[] = [];
for (let i = 0; CHART && i < 5; i++) {
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
if (CHART) renderChart(data); // this process's first chart
const times: number[] = [];
const cpuTimes: number[] = [];
for (let i = 0; CHART && i < CHARTS; i++) {
  start = performance.now();
  cpuStart = cpu();
  renderChart({ ...data, title: `${data.title} ${i}` });
  times.push(performance.now() - start);
  cpuTimes.push(cpu() - cpuStart);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const max = (xs: number[]) => Math.max(...xs);

console.log(
  `月报 on the 1st: ${CHATS} chats × 5 subscriptions over ${PAPERS} papers (22 days), against ${PREVIOUS} of the month before`,
);
console.log(
  `  machine load average      ${load} on ${(await import("node:os")).availableParallelism()} cores (wall times suffer; CPU times less)`,
);
console.log(`  set-up (not timed)        ${(setupMs / 1000).toFixed(1)} s`);
const show = (what: string, f: DueFigures, base: number) => {
  console.log(`  ${what}`);
  console.log(
    `    reports built           ${f.built} (${f.messages} messages, ${mb(f.attachmentBytes)} of attachments, base64)`,
  );
  console.log(
    `    process CPU time        ${(f.cpuMs / 1000).toFixed(2)} s        (target < 10 s; all threads, GC included)`,
  );
  console.log(`    wall time               ${(f.wallMs / 1000).toFixed(2)} s`);
  console.log(`    RSS before the run      ${mb(base)}`);
  console.log(`    RSS after the first     ${mb(f.firstRss)}   (both months indexed)`);
  console.log(`    peak RSS of the process ${mb(f.peakRss)}   (target < 400 MB)`);
};
for (const [r, f] of rounds.entries()) {
  show(`the scheduler's process (fresh, over the filled store), round ${r + 1}:`, f, f.baseRss);
}
show("this process, after filling the store (set-up included):", inProcess, before.rss);
if (CHART) {
  console.log(
    `chart render (${data.chapters.length} chapters, ${data.keywords.length} keywords; target < 300 ms)`,
  );
  console.log(
    `  cold, fresh process ×${cold.length}   CPU median ${median(cold.map((c) => c.cpuMs)).toFixed(0)} ms, max ${max(cold.map((c) => c.cpuMs)).toFixed(0)} ms; wall median ${median(cold.map((c) => c.wallMs)).toFixed(0)} ms, max ${max(cold.map((c) => c.wallMs)).toFixed(0)} ms`,
  );
  console.log(
    `  warm, new title ×${CHARTS}       CPU median ${median(cpuTimes).toFixed(0)} ms, max ${max(cpuTimes).toFixed(0)} ms; wall median ${median(times).toFixed(0)} ms, max ${max(times).toFixed(0)} ms`,
  );
}

app.close();
db.close();
rmSync(dirname(dbPath), { recursive: true, force: true });
