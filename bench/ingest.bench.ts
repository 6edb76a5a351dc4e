/**
 * Ingest throughput: a 2,000-entry arXiv API response (the largest page arXiv serves), built
 * from the real-layout fixture entries with fresh ids, parsed and stored into a fresh SQLite
 * file; peak memory; and, in the same run, the same file parsed by Python's feedparser (the
 * parser most arXiv tools use), timing only its parse. Targets: under 1 s, and at least 3x
 * faster than feedparser.
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
const RUNS = 5;
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const dir = mkdtempSync(join(tmpdir(), "sudi-bench-ingest-"));
const file = join(dir, "api-2000.xml");
writeFileSync(file, buildResponse());
const size = statSync(file).size;

const baselineRss = process.resourceUsage().maxRSS * 1024;
const heapBefore = process.memoryUsage().heapUsed;

/** Wall-clock ms, and CPU ms of this process (steadier on a shared machine). */
interface Run {
  parse: number;
  store: number;
  cpu: number;
}
const runs: Run[] = [];
let stored = 0;
for (let r = 0; r < RUNS; r++) {
  globalThis.gc?.();
  const db = openDatabase(join(dir, `run-${r}.db`));
  const papers = new PaperStore(db);
  const xml = readFileSync(file, "utf8");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const page = parseApiResponse(xml, file);
  const t1 = performance.now();
  papers.transaction(() => {
    for (const paper of page.papers) papers.upsert(paper, { date: "2024-05-01", type: "new" });
  });
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  stored = db.prepare("SELECT count(*) FROM papers").pluck().get() as number;
  db.close();
  runs.push({ parse: t1 - t0, store: t2 - t1, cpu: (cpu.user + cpu.system) / 1000 });
}
const peakRss = process.resourceUsage().maxRSS * 1024;
const heapAfter = process.memoryUsage().heapUsed;

const first = runs[0] ?? { parse: 0, store: 0 };
const total = median(runs.map((r) => r.parse + r.store));
const totalCpu = median(runs.map((r) => r.cpu));
console.log(
  `file: ${ENTRIES} entries, ${(size / 1024 / 1024).toFixed(1)} MB; ${stored} papers stored`,
);
console.log(
  `sudi parse+store: ${ms(total)} wall, ${ms(totalCpu)} CPU (median of ${RUNS}; parse ${ms(median(runs.map((r) => r.parse)))}, store ${ms(median(runs.map((r) => r.store)))}); first (cold) run ${ms(first.parse + first.store)}`,
);
console.log(
  `peak memory: maxRSS ${mb(peakRss)} (${mb(baselineRss)} before parsing); heap used after ${mb(heapAfter)} (${mb(heapBefore)} before)`,
);

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
if (py.status !== 0) {
  console.log(
    `feedparser: not available (${PYTHON} -c 'import feedparser' failed: ${(py.stderr || String(py.error ?? "")).trim().split("\n").at(-1)})`,
  );
  console.log(`target: ${ms(TARGET_MS)}: ${total < TARGET_MS ? "met" : "MISSED"}`);
} else {
  const result = JSON.parse(py.stdout) as {
    times: number[];
    cpu: number[];
    entries: number;
    version: string;
  };
  const fp = median(result.times);
  const ratio = fp / total;
  console.log(
    `feedparser ${result.version} parse: ${ms(fp)} wall, ${ms(median(result.cpu))} CPU (median of ${PY_RUNS}, ${result.entries} entries)`,
  );
  console.log(
    `ratio: feedparser parse / sudi parse+store = ${ratio.toFixed(1)}x wall, ${(median(result.cpu) / totalCpu).toFixed(1)}x CPU; feedparser parse / sudi parse alone = ${(fp / median(runs.map((r) => r.parse))).toFixed(1)}x wall`,
  );
  console.log(
    `target: < ${ms(TARGET_MS)} and >= ${TARGET_RATIO}x faster: ${total < TARGET_MS ? "met" : "MISSED"}, ${ratio >= TARGET_RATIO ? "met" : "MISSED"}`,
  );
}
rmSync(dir, { recursive: true, force: true });
