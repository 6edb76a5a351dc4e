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
 * targets are judged on medians. Load on a shared machine comes in bursts that slow both tools
 * alike (by up to ~1.6x, CPU time included), so the two take turns (one sudi run, then one
 * feedparser run, in a feedparser process kept open) and the ratio is judged on the median of
 * the turns' ratios: each compares the two under the same load. Each tool runs once untimed
 * first (sudi's cold run is printed apart).
 *
 * A sudi run counts everything an ingest costs until its data is in the database file: the
 * parse, the upserts and their commit, and the WAL checkpoint. Each run writes a new file
 * that is deleted afterwards, so no run pays for flushing an earlier run's pages.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseApiResponse } from "../src/arxiv/parse.ts";
import { openDatabase } from "../src/store/db.ts";
import { PaperStore } from "../src/store/papers.ts";

const ENTRIES = 2000;
const RUNS = 9;
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

/** One sudi run: parse, then store (upserts, commit, checkpoint), into a file of its own. */
interface SudiRun {
  parse: Timing;
  store: Timing;
  total: Timing;
  stored: number;
}

function sudiRun(dir: string, file: string, r: number): SudiRun {
  globalThis.gc?.();
  const path = join(dir, `run-${r}.db`);
  const db = openDatabase(path);
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
  // The commit usually checkpoints (the WAL passes wal_autocheckpoint); when it does not, the
  // copy into the database file is still the ingest's cost, so it is timed here either way.
  db.pragma("wal_checkpoint(PASSIVE)");
  const cpu2 = process.cpuUsage(cpu0);
  const t2 = performance.now();
  const stored = db.prepare("SELECT count(*) FROM papers").pluck().get() as number;
  db.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  return {
    parse: { cpu: cpuMs(cpu1), wall: t1 - t0 },
    store: { cpu: cpuMs(cpu2) - cpuMs(cpu1), wall: t2 - t1 },
    total: { cpu: cpuMs(cpu2), wall: t2 - t0 },
    stored,
  };
}

/** Parses the file once per line read on stdin and answers with its timing, as JSON lines. */
const PY_WORKER = `
import json, sys, time
try:
    import feedparser
except Exception as e:
    print(json.dumps({"error": repr(e)}), flush=True)
    sys.exit(1)
data = open(sys.argv[1], "rb").read()
print(json.dumps({"version": feedparser.__version__}), flush=True)
for _ in sys.stdin:
    t, c = time.perf_counter(), time.process_time()
    d = feedparser.parse(data)
    wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
    print(json.dumps({"wall": wall, "cpu": cpu, "entries": len(d.entries)}), flush=True)
`;

interface FeedparserRun extends Timing {
  entries: number;
}

/** A feedparser process kept open between runs, or why there is none. */
type Feedparser =
  | { ok: true; version: string; run(): Promise<FeedparserRun>; stop(): void }
  | { ok: false; why: string };

async function startFeedparser(file: string): Promise<Feedparser> {
  const child = spawn(PYTHON, ["-c", PY_WORKER, file], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.on("error", (err) => {
    stderr += String(err);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown> | null> => {
    const line = await lines.next();
    return line.done ? null : (JSON.parse(line.value) as Record<string, unknown>);
  };
  const hello = await next();
  if (!hello || typeof hello.version !== "string") {
    child.kill();
    const why = String(hello?.error ?? stderr)
      .trim()
      .split("\n")
      .at(-1);
    return { ok: false, why: why ?? "no output" };
  }
  return {
    ok: true,
    version: hello.version,
    async run(): Promise<FeedparserRun> {
      child.stdin.write("parse\n");
      const result = await next();
      if (!result) throw new Error(`feedparser worker stopped: ${stderr.trim()}`);
      return result as unknown as FeedparserRun;
    },
    stop: () => child.stdin.end(),
  };
}

const dir = mkdtempSync(join(tmpdir(), "sudi-bench-ingest-"));
const file = join(dir, "api-2000.xml");
writeFileSync(file, buildResponse());
const size = statSync(file).size;

const baselineRss = process.resourceUsage().maxRSS * 1024;
const heapBefore = process.memoryUsage().heapUsed;

const feedparser = await startFeedparser(file);
const cold = sudiRun(dir, file, 0);
if (feedparser.ok) await feedparser.run();
const runs: SudiRun[] = [];
const fp: FeedparserRun[] = [];
for (let r = 1; r <= RUNS; r++) {
  runs.push(sudiRun(dir, file, r));
  if (feedparser.ok) fp.push(await feedparser.run());
}
if (feedparser.ok) feedparser.stop();
const peakRss = process.resourceUsage().maxRSS * 1024;
const heapAfter = process.memoryUsage().heapUsed;
rmSync(dir, { recursive: true, force: true });

const total = runs.map((r) => r.total);
console.log(
  `file: ${ENTRIES} entries, ${(size / 1024 / 1024).toFixed(1)} MB; ${cold.stored} papers stored`,
);
console.log(
  `${"".padEnd(28)}${"CPU best".padStart(9)}${"median".padStart(9)}   ${"wall best".padStart(9)}${"median".padStart(9)}`,
);
console.log(
  row(
    `sudi parse (${RUNS} runs)`,
    runs.map((r) => r.parse),
  ),
);
console.log(
  row(
    "sudi store",
    runs.map((r) => r.store),
  ),
);
console.log(row("sudi parse+store", total));
console.log(
  `  first (cold) run, not in the figures above: ${ms(cold.total.cpu).trim()} CPU, ${ms(cold.total.wall).trim()} wall`,
);
console.log(
  `peak memory: maxRSS ${mb(peakRss)} (${mb(baselineRss)} before parsing); heap used after ${mb(heapAfter)} (${mb(heapBefore)} before)`,
);

const cpuMedian = median(total.map((t) => t.cpu));
const wallMedian = median(total.map((t) => t.wall));
const underTarget = cpuMedian < TARGET_MS && wallMedian < TARGET_MS;
if (!feedparser.ok) {
  console.log(
    `feedparser: not available (${PYTHON} -c 'import feedparser' failed: ${feedparser.why})`,
  );
  console.log(`target < ${TARGET_MS} ms (median CPU and wall): ${underTarget ? "met" : "MISSED"}`);
} else {
  console.log(row(`feedparser ${feedparser.version} (${RUNS} runs)`, fp));
  const ratio = (of: (xs: number[]) => number, key: keyof Timing) =>
    of(fp.map((t) => t[key])) / of(total.map((t) => t[key]));
  const turns = (key: keyof Timing) =>
    median(fp.map((t, i) => t[key] / (total[i]?.[key] ?? Number.NaN)));
  console.log(
    `feedparser parse / sudi parse+store (${fp[0]?.entries ?? 0} entries): CPU ${turns("cpu").toFixed(1)}x median of turns (${ratio(best, "cpu").toFixed(1)}x of bests, ${ratio(median, "cpu").toFixed(1)}x of medians); wall ${turns("wall").toFixed(1)}x (${ratio(best, "wall").toFixed(1)}x, ${ratio(median, "wall").toFixed(1)}x)`,
  );
  const fast = turns("cpu") >= TARGET_RATIO;
  console.log(
    `targets: parse+store < ${TARGET_MS} ms (median CPU and wall): ${underTarget ? "met" : "MISSED"}; >= ${TARGET_RATIO}x faster than feedparser (CPU, median of turns): ${fast ? "met" : "MISSED"}`,
  );
}
