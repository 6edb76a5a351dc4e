/**
 * The first chart of a fresh process, as a user's first /report or the scheduler's first 月报
 * sees it: finding and reading the CJK font and shaping every label. Run alone it renders one
 * chart and prints {wallMs, cpuMs} as JSON (bench/reports.bench.ts runs it five times), then,
 * with `--warm N`, N more charts each with a new title, as `warmCpuMs`/`warmWallMs` medians.
 *
 * `--rounds N [--against DIR] [--warm N]` runs this in N fresh processes and prints the
 * medians; with `--against`, the chart code of another checkout (e.g. main's) is measured the
 * same way in alternate rounds, so both see the same machine load:
 *   npx tsx bench/reports-chart-cold.ts --rounds 9 --warm 20 --against /work/main
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rounds: { type: "string" },
    against: { type: "string" },
    warm: { type: "string" },
    root: { type: "string" },
  },
});

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Figures {
  wallMs: number;
  cpuMs: number;
  warmCpuMs?: number;
  warmWallMs?: number;
}

if (values.rounds) {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, "..");
  const checkouts = [root, ...(values.against ? [resolve(values.against)] : [])];
  const runs = new Map<string, Figures[]>(checkouts.map((c) => [c, []]));
  const loads: number[] = [];
  for (let i = 0; i < Number(values.rounds); i++) {
    for (const checkout of i % 2 ? [...checkouts].reverse() : checkouts) {
      const child = spawnSync(
        process.execPath,
        [
          join(root, "bin/run-ts.js"),
          join(root, "bench/reports-chart-cold.ts"),
          "--root",
          checkout,
          ...(values.warm ? ["--warm", values.warm] : []),
        ],
        { cwd: checkout, encoding: "utf8" },
      );
      const line = child.stdout.trim().split("\n").at(-1) ?? "";
      if (child.status !== 0 || !line.startsWith("{")) throw new Error(child.stderr);
      runs.get(checkout)?.push(JSON.parse(line));
      loads.push(loadavg()[0] ?? 0);
    }
  }
  console.log(
    `first chart of a fresh process, ${values.rounds} rounds${checkouts.length > 1 ? " alternating" : ""}; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
  );
  for (const [checkout, figs] of runs) {
    const warm = figs.some((f) => f.warmCpuMs !== undefined)
      ? `; warm (new title) CPU median ${median(figs.map((f) => f.warmCpuMs ?? 0)).toFixed(0)} ms`
      : "";
    console.log(
      `  ${checkout}: CPU median ${median(figs.map((f) => f.cpuMs)).toFixed(0)} ms (max ${Math.max(...figs.map((f) => f.cpuMs)).toFixed(0)}), wall median ${median(figs.map((f) => f.wallMs)).toFixed(0)} ms${warm}`,
    );
  }
} else {
  // The chart code measured: this checkout's, or another's given by --root.
  const src = values.root ? pathToFileURL(join(resolve(values.root), "src/")).href : "../src/";
  const { renderChart } = (await import(
    `${src}reports/chart.ts`
  )) as typeof import("../src/reports/chart.ts");
  const { CHAPTERS } = (await import(
    `${src}topics/taxonomy.ts`
  )) as typeof import("../src/topics/taxonomy.ts");
  const data = {
    title: `2024 年 4 月 月报 · ${process.pid}`,
    chapters: CHAPTERS.map((chapter, i) => ({
      chapter,
      current: 40 + i * 97,
      previous: 30 + i * 89,
    })),
    keywords: [
      "扩散模型",
      "LLM",
      "Agent",
      "RLHF",
      "KV cache",
      "世界模型",
      "多模态",
      "强化学习",
    ].map((word, i) => ({ word, count: 120 - i * 11 })),
  };
  const start = performance.now();
  const cpuStart = cpu();
  renderChart(data);
  const figures: Figures = { wallMs: performance.now() - start, cpuMs: cpu() - cpuStart };
  if (values.warm) {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < Number(values.warm); i++) {
      const t = performance.now();
      const c = cpu();
      renderChart({ ...data, title: `${data.title} 第 ${i} 期` });
      walls.push(performance.now() - t);
      cpus.push(cpu() - c);
    }
    figures.warmCpuMs = median(cpus);
    figures.warmWallMs = median(walls);
  }
  console.log(JSON.stringify(figures));
}
