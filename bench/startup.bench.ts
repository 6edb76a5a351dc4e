/**
 * Start-up time of the CLI: `sudi --help` and `sudi paper <cached id> --format json`, each run
 * as its own process, through the esbuild bundle (bin/sudi.js, what `npm start`, `npx sudi` and
 * the Docker image run) and through tsx from the TypeScript sources (what development runs),
 * side by side: the two take turns, so both see the same machine load. Wall time of the whole
 * process, median of 5 after one untimed warm-up each. Goal: under 0.6 s with the bundle. The
 * process's CPU time (user + system, all its threads) is printed too: on a shared machine the
 * wall time also counts waiting for a core, and the CPU time shows what start-up itself costs.
 *
 * The paper is stored with its card beforehand in a fresh database, and the arXiv and LLM
 * endpoints point at a closed local port, so nothing reaches the network.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseApiResponse } from "../src/arxiv/parse.ts";
import { CardStore } from "../src/store/cards.ts";
import { openDatabase } from "../src/store/db.ts";
import { PaperStore } from "../src/store/papers.ts";

const RUNS = 5;
const GOAL_MS = 600;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

const dir = mkdtempSync(join(tmpdir(), "sudi-startup-"));
const dbPath = join(dir, "sudi.db");
const [paper] = parseApiResponse(
  readFileSync(join(root, "test/fixtures/arxiv/api-id_list.xml"), "utf8"),
).papers;
if (!paper) throw new Error("no paper in the fixture");
{
  const db = openDatabase(dbPath);
  new PaperStore(db).upsert(paper, { date: "2024-04-24", type: "new" });
  new CardStore(db).put({
    title_zh: "示例卡片",
    tldr: "一句话总结。",
    motivation: "动机。",
    method: "方法。",
    results: "效果。",
    topics: ["text-to-video"],
    keywords: ["示例"],
    score: 4,
    score_reason: "理由。",
    paper_id: paper.id,
    version: paper.version,
    title_en: paper.title,
    authors: "A, B, C 等",
    affiliations: [],
    venue: null,
    links: {
      abs: `https://arxiv.org/abs/${paper.id}`,
      pdf: `https://arxiv.org/pdf/${paper.id}`,
      code: null,
    },
    fallback: true,
    prompt_version: "card-v1.txt",
    model: "none",
  });
  db.close();
}

// Preloaded into every timed process: reports its CPU time on the way out.
const cpuReporter = join(dir, "cpu.mjs");
writeFileSync(
  cpuReporter,
  `process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write("\\ncpu-us " + (u.user + u.system) + "\\n"); });\n`,
);

const env = {
  ...process.env,
  SUDI_DB_PATH: dbPath,
  ARXIV_API_URL: "http://127.0.0.1:9/api/query",
  ARXIV_RSS_URL: "http://127.0.0.1:9/rss",
  OPENAI_API_KEY: "",
  LOG_LEVEL: "error",
};

// tsx from the sources: what bin/sudi.js did before the build step.
const TSX_MAIN =
  'const { main } = await import("./src/cli.ts"); process.exitCode = await main(process.argv.slice(1));';
const runners = {
  bundle: (args: string[]) => ["--import", cpuReporter, join(root, "bin/sudi.js"), ...args],
  tsx: (args: string[]) => [
    "--import",
    cpuReporter,
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    TSX_MAIN,
    "--",
    ...args,
  ],
};
const commands: [string, string[]][] = [
  ["sudi --help", ["--help"]],
  [`sudi paper ${paper.id} --format json`, ["paper", paper.id, "--format", "json"]],
];

/** Wall and CPU milliseconds of one run. */
interface Timing {
  wall: number;
  cpu: number;
}

function timeOnce(argv: string[]): Timing {
  const started = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: root, env, encoding: "utf8" });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  const cpu = Number(/cpu-us (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) / 1000;
  return { wall, cpu };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  // Builds the bundle if it is stale, so no timed run pays for a build.
  timeOnce(runners.bundle(["--help"]));
  console.log(`median wall time of ${RUNS} runs per command, bundle and tsx taking turns:`);
  let met = true;
  for (const [label, args] of commands) {
    const runs: Record<"bundle" | "tsx", Timing[]> = { bundle: [], tsx: [] };
    timeOnce(runners.bundle(args));
    timeOnce(runners.tsx(args));
    for (let i = 0; i < RUNS; i++) {
      runs.bundle.push(timeOnce(runners.bundle(args)));
      runs.tsx.push(timeOnce(runners.tsx(args)));
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const b = median(runs.bundle.map((r) => r.wall));
    const t = median(runs.tsx.map((r) => r.wall));
    const bCpu = median(runs.bundle.map((r) => r.cpu));
    const tCpu = median(runs.tsx.map((r) => r.cpu));
    met &&= b < GOAL_MS;
    console.log(`  ${label}`);
    console.log(
      `    bundle ${s(b)} (CPU ${s(bCpu)})   tsx ${s(t)} (CPU ${s(tCpu)})   ` +
        `${(t / b).toFixed(1)}x faster   goal < ${GOAL_MS / 1000} s: ${b < GOAL_MS ? "met" : "MISSED"}`,
    );
  }
  if (!met) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
