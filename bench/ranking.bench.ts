/**
 * The learned ranking. Three figures:
 *  1. training and re-ranking 10,000 chats, each with 20 votes (12 👍, 8 👎) and its digests'
 *     unvoted papers as weak negatives, over a day of 600 papers (each chat re-orders the 40
 *     papers it matched), called as the scheduler calls it (hasModel, then rankFor, 200 chats
 *     a chunk): goal under 5 s and under 400 MB. Three days: every chat retrains; the next
 *     day in a new process (stored models reused); a day after one more vote each (every
 *     stored model stale, retrained and overwritten);
 *  2. the tf-idf index of 150,000 papers: build time and size on disk;
 *  3. /similar over those 150,000: p50 / p99 of 200 queries (goal p99 < 100 ms), after the
 *     in-memory index is built once (its build time printed too).
 * Papers are real fixture abstracts recombined sentence by sentence, under new ids.
 * BENCH_CHATS and BENCH_PAPERS shrink the runs.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseApiResponse, parseFeed } from "../src/arxiv/parse.ts";
import { Ranker } from "../src/ranking/ranker.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { FeatureStore } from "../src/store/features.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { VoteStore } from "../src/store/votes.ts";

const CHATS = Number(process.env.BENCH_CHATS ?? 10_000);
const DAY_PAPERS = 600;
const VOTES = 20;
const MATCHED = 40;
const SCHEDULER_CHUNK = 200;
const CORPUS = Number(process.env.BENCH_PAPERS ?? 150_000);
const QUERIES = 200;

const here = dirname(fileURLToPath(import.meta.url));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
/** The process's peak RSS so far (the kernel's figure, not only sampled moments). */
const peakRss = () => Math.max(peak, process.resourceUsage().maxRSS * 1024);

let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

// Real sentences to recombine: the fixture feed and API answers.
const fixture = (name: string) => readFileSync(join(here, "../test/fixtures/arxiv", name), "utf8");
const real: Paper[] = [
  ...parseFeed(fixture("feed-2024-04-24-cs.CL+cs.CV+cs.LG.atom.xml")).items,
  ...parseApiResponse(fixture("api-id_list.xml")).papers,
  ...parseApiResponse(fixture("api-search-cs.CL.xml")).papers,
];
const sentences = real.flatMap((p) => p.abstract.split(/(?<=\.)\s+/)).filter((s) => s.length > 30);
const titles = real.map((p) => p.title);

function synthetic(id: string): Paper {
  const base = pick(real);
  const abstract = Array.from({ length: 6 }, () => pick(sentences)).join(" ");
  return {
    ...base,
    id,
    version: 1,
    title: `${pick(titles)} ${pick(titles).split(" ")[0]}`,
    abstract,
  };
}

function newId(n: number): string {
  return `${2000 + Math.floor(n / 90_000)}.${String(10_000 + (n % 90_000)).padStart(5, "0")}`;
}

// --- 1. 10,000 chats × 20 votes over a day of 600 papers ---------------------------------
// On a database file, as the bot runs: an in-memory database would count the store itself
// (400,000 outbox rows, 10,000 stored models) in the process's memory.
{
  const dir = mkdtempSync(join(tmpdir(), "sudi-ranking-bench-"));
  const db = openDatabase(join(dir, "chats.db"));
  const papers = new PaperStore(db);
  const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const votes = new VoteStore(db);
  const outbox = new OutboxStore(db);
  const ranker = new Ranker({ features: new FeatureStore(db), votes, papers });
  const earlier: Paper[] = Array.from({ length: 2_000 }, (_, i) => synthetic(newId(i)));
  const day: Paper[] = Array.from({ length: DAY_PAPERS }, (_, i) => synthetic(newId(10_000 + i)));
  papers.transaction(() => {
    for (const p of [...earlier, ...day]) papers.upsert(p);
  });
  ranker.index([...earlier, ...day]);
  const chatIds: number[] = [];
  const sentOf: string[][] = [];
  db.transaction(() => {
    for (let c = 0; c < CHATS; c++) {
      const chat = chats.ensure({
        platform: "telegram",
        chatId: String(1_000_000 + c),
        type: "private",
      });
      chatIds.push(chat.id);
      // the chat's earlier digests (what weak negatives come from) and its votes on them
      const sent = Array.from({ length: 40 }, () => pick(earlier).id);
      sentOf.push(sent);
      outbox.recordSent(chat.id, "2024-04-23", [...new Set(sent)]);
      for (let v = 0; v < VOTES; v++) {
        votes.toggleVote(chat.id, String(c), sent[v] ?? "", v < 12 ? 1 : -1);
      }
    }
  })();
  sample();
  // Each chat's 40 matched papers, drawn before timing so only the ranker is measured.
  const matchedOf = chatIds.map(() => Array.from({ length: MATCHED }, () => pick(day)));
  // What the scheduler does for a day: at delivery, the digest asks hasModel, then rankFor,
  // which trains a chat's model when its votes changed (here every chat: they all voted
  // since) and re-ranks. Then the next day in a new process (a new Ranker): votes unchanged,
  // so the stored models are reused. Then every chat votes once more and the day after, in a
  // new process again, every stored model is stale: all retrain and overwrite theirs.
  const runDay = (label: string, r: Ranker) => {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    let reordered = 0;
    chatIds.forEach((chat, n) => {
      const matched = matchedOf[n] as Paper[];
      if (!r.hasModel(chat)) throw new Error(`chat ${chat} has no model`);
      const ranked = r.rankFor(chat, matched);
      if (ranked[0]?.paper.id !== matched[0]?.id) reordered++;
      if (chat % 500 === 0) sample();
      // The scheduler builds digests 200 chats at a time; the models trained for a chunk are
      // written when it returns to the event loop.
      if (n % SCHEDULER_CHUNK === SCHEDULER_CHUNK - 1) r.flush();
    });
    r.flush();
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    sample();
    console.log(
      `${label}: ${CHATS} chats × ${VOTES} votes, day of ${DAY_PAPERS} papers, ${MATCHED} matched each: ` +
        `${(cpuMs / 1000).toFixed(2)} s CPU (${((cpuMs * 1000) / Math.max(1, CHATS)).toFixed(0)} µs a chat), ` +
        `${(ms / 1000).toFixed(2)} s wall, peak RSS ${mb(peakRss())} ` +
        `(goal < 5 s, < 400 MB); ${reordered} chats got a different first paper`,
    );
  };
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  runDay("train + re-rank (votes changed)", ranker);
  runDay(
    "re-rank, next day (votes unchanged, new process)",
    new Ranker({ features: new FeatureStore(db), votes, papers }),
  );
  db.transaction(() => {
    chatIds.forEach((chat, c) => {
      votes.toggleVote(chat, String(c), sentOf[c]?.[VOTES] ?? "", 1);
    });
  })();
  runDay(
    "train + re-rank, day after (one more vote each: stored models stale, new process)",
    new Ranker({ features: new FeatureStore(db), votes, papers }),
  );
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

// --- 2. the tf-idf index of 150,000 papers, and 3. /similar over it -----------------------
{
  const dir = mkdtempSync(join(tmpdir(), "sudi-ranking-bench-"));
  const path = join(dir, "bench.db");
  try {
    const db = openDatabase(path);
    const papers = new PaperStore(db);
    const ranker = new Ranker({
      features: new FeatureStore(db),
      votes: new VoteStore(db),
      papers,
    });
    const pageBytes = () =>
      (db.pragma("page_count", { simple: true }) as number) *
      (db.pragma("page_size", { simple: true }) as number);
    const before = pageBytes();
    let indexing = 0;
    const indexCpu = process.cpuUsage();
    const BATCH = 2_000;
    for (let at = 0; at < CORPUS; at += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, CORPUS - at) }, (_, i) =>
        synthetic(newId(at + i)),
      );
      const t = performance.now();
      ranker.index(batch);
      indexing += performance.now() - t;
    }
    const indexCpuMs = (process.cpuUsage(indexCpu).user + process.cpuUsage(indexCpu).system) / 1000;
    db.pragma("wal_checkpoint(TRUNCATE)");
    const featureBytes = pageBytes() - before;
    console.log(
      `tf-idf index: ${CORPUS} papers built in ${(indexing / 1000).toFixed(1)} s wall ` +
        `(${(indexCpuMs / 1000).toFixed(1)} s CPU incl. making the papers) ` +
        `(${((indexing * 1000) / CORPUS).toFixed(0)} µs a paper), ` +
        `${mb(featureBytes)} on disk (${(featureBytes / CORPUS).toFixed(0)} bytes a paper; ` +
        `file ${mb(statSync(path).size)})`,
    );

    const ids = Array.from({ length: QUERIES }, (_, i) =>
      newId(Math.floor((i * CORPUS) / QUERIES)),
    );
    const firstStart = performance.now();
    ranker.similar(ids[0] ?? "", 5);
    const first = performance.now() - firstStart;
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      const c = process.cpuUsage();
      const near = ranker.similar(id, 5);
      const used = process.cpuUsage(c);
      cpuTimes.push((used.user + used.system) / 1000);
      times.push(performance.now() - t);
      if (near.length === 0) throw new Error(`no neighbours for ${id}`);
    }
    cpuTimes.sort((a, b) => a - b);
    sample();
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    console.log(
      `/similar over ${CORPUS} papers: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms wall, ` +
        `p99 ${(cpuTimes[Math.floor(0.99 * cpuTimes.length)] ?? 0).toFixed(1)} ms CPU ` +
        `(goal p99 < 100 ms); first call ${(first / 1000).toFixed(1)} s (loads the index into memory); ` +
        `peak RSS ${mb(peakRss())}`,
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
