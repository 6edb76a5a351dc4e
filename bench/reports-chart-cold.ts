/**
 * One chart in a fresh process, for bench/reports.bench.ts: the first render pays for finding
 * and loading the CJK font and shaping every label. Prints {wallMs, cpuMs} as JSON.
 */
import { performance } from "node:perf_hooks";
import { renderChart } from "../src/reports/chart.ts";
import { CHAPTERS } from "../src/topics/taxonomy.ts";

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const data = {
  title: `2024 年 4 月 月报 · ${process.pid}`,
  chapters: CHAPTERS.map((chapter, i) => ({
    chapter,
    current: 40 + i * 97,
    previous: 30 + i * 89,
  })),
  keywords: ["扩散模型", "LLM", "Agent", "RLHF", "KV cache", "世界模型", "多模态", "强化学习"].map(
    (word, i) => ({ word, count: 120 - i * 11 }),
  ),
};
const start = performance.now();
const cpuStart = cpu();
renderChart(data);
console.log(JSON.stringify({ wallMs: performance.now() - start, cpuMs: cpu() - cpuStart }));
