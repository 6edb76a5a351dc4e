/**
 * Ingest throughput: a 2,000-entry arXiv API response (the largest page arXiv serves), built
 * from the real-layout fixture entries with fresh ids, parsed and stored into a fresh SQLite
 * file; peak memory; and, in the same run, the same file parsed by Python's feedparser (the
 * parser most arXiv tools use), timing only its parse. Targets: under 1 s, and at least 3x
 * faster than feedparser.
 *
 * The machine is shared, so wall time swings with other load: both tools are also timed in
 * CPU time of their own process (Node: process.cpuUsage, which counts V8's GC threads too;
 * Python: time.process_time), over several runs, and the best and the median are printed. The
 * targets are judged on medians.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseApiResponse } from "../src/arxiv/parse.ts";
import { openDatabase } from "../src/store/db.ts";
import { PaperStore } from "../src/store/papers.ts";

const ENTRIES = 2000;
const RUNS = 7;
const PY_RUNS = 3;
const TARGET_MS = 1000;
const TARGET_RATIO = 3;
const PYTHON = "/usr/bin/python3";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(join(here, "../test/fixtures/arxiv", name), "utf8");

/** 2,000 entries: the fixture entries over and over, each copy under a new id and version. */
function buildResponse(): string {
  const entries = ["api-id_list.xml", "api-search-cs.CL.xml", "api-2024-04-25.xml"].flatMap(
    (f) => fixture(f).match(/<entry>[\s\S]*?<\/entry>/g) ?? [],
  );
  const out: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const id = `2405.${String(10000 + i).padStart(5, "0")}v${1 + (i % 3)}`;
    const entry = entries[i % entries.length] ?? "";
    out.push(entry.replace(/arxiv\.org\/(abs|pdf)\/[^"<]+?v\d+/g, `arxiv.org/$1/${id}`));
  }
  const head = fixture("api-id_list.xml");
  return `${head.slice(0, head.indexOf("<entry>")).replace(/>20</g, `>${ENTRIES}<`)}${out.join("\n  ")}\n</feed>\n`;
}

/** CPU and wall-clock milliseconds of one timed step. */
interface Timing {
  cpu: number;
  wall: number;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const best = (xs: number[]) => sorted(xs)[0] ?? 0;
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? 0;
const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(9);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** One table row: best and median CPU, then best and median wall. */
function row(label: string, timings: Timing[]): string {
  const cpu = timings.map((t) => t.cpu);
  const wall = timings.map((t) => t.wall);
  return `${label.padEnd(28)}${ms(best(cpu))}${ms(median(cpu))}   ${ms(best(wall))}${ms(median(wall))}`;
}

const dir = mkdtempSync(join(tmpdir(), "sudi-bench-ingest-"));
const file = join(dir, "api-2000.xml");
writeFileSync(file, buildResponse());
const size = statSync(file).size;

const baselineRss = process.resourceUsage().maxRSS * 1024;
const heapBefore = process.memoryUsage().heapUsed;

const parse: Timing[] = [];
const store: Timing[] = [];
const total: Timing[] = [];
let stored = 0;
for (let r = 0; r < RUNS; r++) {
  globalThis.gc?.();
  const db = openDatabase(join(dir, `run-${r}.db`));
  const papers = new PaperStore(db);
  const xml = readFileSync(file, "utf8");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const page = parseApiResponse(xml, file);
  const cpu1 = process.cpuUsage(cpu0);
  const t1 = performance.now();
  papers.transaction(() => {
    for (const paper of page.papers) papers.upsert(paper, { date: "2024-05-01", type: "new" });
  });
  const cpu2 = process.cpuUsage(cpu0);
  const t2 = performance.now();
  stored = db.prepare("SELECT count(*) FROM papers").pluck().get() as number;
  db.close();
  parse.push({ cpu: cpuMs(cpu1), wall: t1 - t0 });
  store.push({ cpu: cpuMs(cpu2) - cpuMs(cpu1), wall: t2 - t1 });
  total.push({ cpu: cpuMs(cpu2), wall: t2 - t0 });
}
const peakRss = process.resourceUsage().maxRSS * 1024;
const heapAfter = process.memoryUsage().heapUsed;

const PY_SCRIPT = `
import json, sys, time
import feedparser
data = open(sys.argv[1], "rb").read()
times, cpu = [], []
for _ in range(int(sys.argv[2])):
    t, c = time.perf_counter(), time.process_time()
    d = feedparser.parse(data)
    times.append((time.perf_counter() - t) * 1000)
    cpu.append((time.process_time() - c) * 1000)
print(json.dumps({"times": times, "cpu": cpu, "entries": len(d.entries), "version": feedparser.__version__}))
`;
const py = spawnSync(PYTHON, ["-c", PY_SCRIPT, file, String(PY_RUNS)], { encoding: "utf8" });
rmSync(dir, { recursive: true, force: true });

console.log(
  `file: ${ENTRIES} entries, ${(size / 1024 / 1024).toFixed(1)} MB; ${stored} papers stored`,
);
console.log(
  `${"".padEnd(28)}${"CPU best".padStart(9)}${"median".padStart(9)}   ${"wall best".padStart(9)}${"median".padStart(9)}`,
);
console.log(row(`sudi parse (${RUNS} runs)`, parse));
console.log(row("sudi store", store));
console.log(row("sudi parse+store", total));
const first = total[0] ?? { cpu: 0, wall: 0 };
console.log(`  first (cold) run: ${ms(first.cpu).trim()} CPU, ${ms(first.wall).trim()} wall`);
console.log(
  `peak memory: maxRSS ${mb(peakRss)} (${mb(baselineRss)} before parsing); heap used after ${mb(heapAfter)} (${mb(heapBefore)} before)`,
);

const cpuMedian = median(total.map((t) => t.cpu));
const wallMedian = median(total.map((t) => t.wall));
const underTarget = cpuMedian < TARGET_MS && wallMedian < TARGET_MS;
if (py.status !== 0) {
  const why = (py.stderr || String(py.error ?? "")).trim().split("\n").at(-1);
  console.log(`feedparser: not available (${PYTHON} -c 'import feedparser' failed: ${why})`);
  console.log(`target < ${TARGET_MS} ms (median CPU and wall): ${underTarget ? "met" : "MISSED"}`);
} else {
  const result = JSON.parse(py.stdout) as {
    times: number[];
    cpu: number[];
    entries: number;
    version: string;
  };
  const fp = result.times.map((wall, i) => ({ cpu: result.cpu[i] ?? 0, wall }));
  console.log(row(`feedparser ${result.version} (${PY_RUNS} runs)`, fp));
  const ratio = (of: (xs: number[]) => number, key: keyof Timing) =>
    of(fp.map((t) => t[key])) / of(total.map((t) => t[key]));
  console.log(
    `feedparser parse / sudi parse+store: CPU ${ratio(best, "cpu").toFixed(1)}x best, ${ratio(median, "cpu").toFixed(1)}x median; wall ${ratio(best, "wall").toFixed(1)}x best, ${ratio(median, "wall").toFixed(1)}x median (${result.entries} entries)`,
  );
  const fast = ratio(median, "cpu") >= TARGET_RATIO;
  console.log(
    `targets: parse+store < ${TARGET_MS} ms (median CPU and wall): ${underTarget ? "met" : "MISSED"}; >= ${TARGET_RATIO}x faster than feedparser (median CPU): ${fast ? "met" : "MISSED"}`,
  );
}
