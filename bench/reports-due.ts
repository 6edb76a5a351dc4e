/**
 * The 月报 run of the 1st as the scheduler makes it (src/schedule/delivery.ts, rollupsOf), for
 * bench/reports.bench.ts: the app built by the one composition root over the bench's store
 * (default settings: personal ranking, deep-read affiliations and the chart wired), the chats
 * that receive roll-ups, each chat's delivery record looked up, and every chat's messages
 * consumed as the delivery engine would before sending. Run as a script (a fresh process, as
 * the scheduler's own would be) it prints its figures as JSON.
 */
import { performance } from "node:perf_hooks";
import { type App, buildApp } from "../src/app.ts";
import { silentLogger } from "../src/log.ts";

export interface DueFigures {
  built: number;
  messages: number;
  attachmentBytes: number;
  wallMs: number;
  cpuMs: number;
  /** RSS just after the first report (both months indexed) */
  firstRss: number;
  /** the process's peak RSS so far */
  peakRss: number;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The app the scheduler would run over `dbPath`, at the frozen instant `now`. */
export function benchApp(dbPath: string, now: number): App {
  return buildApp({
    env: { SUDI_DB_PATH: dbPath, LOG_LEVEL: "silent", OPENAI_API_KEY: "" },
    dotenv: {},
    log: silentLogger,
    // no network: popularity sources are left out, as in any offline run
    offline: true,
    now: () => new Date(now),
    clock: { now: () => now, sleep: async () => {} },
  });
}

export async function runDue(app: App, now: number, readyThrough: string): Promise<DueFigures> {
  const start = performance.now();
  const cpuStart = cpu();
  const ids = app.reports.candidates();
  const chats = app.chats.listActive().filter((c) => ids.has(c.id) && !c.paused);
  const done = (chat: number, key: string) => app.deliveries.delivery(chat, key) !== undefined;
  let built = 0;
  let messages = 0;
  let attachmentBytes = 0;
  let firstRss = 0;
  for await (const r of app.reports.due(chats, now, done, readyThrough)) {
    built++;
    if (built === 1) firstRss = process.memoryUsage().rss;
    messages += r.messages.length;
    for (const m of r.messages)
      for (const a of m.attachments ?? []) attachmentBytes += a.data.length;
  }
  return {
    built,
    messages,
    attachmentBytes,
    wallMs: performance.now() - start,
    cpuMs: cpu() - cpuStart,
    firstRss,
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
}

if (process.argv[1]?.endsWith("reports-due.ts")) {
  const [dbPath, at, readyThrough] = process.argv.slice(2);
  if (!dbPath || !at || !readyThrough) {
    console.error("usage: reports-due.ts DB_PATH NOW_ISO READY_THROUGH");
    process.exit(2);
  }
  const now = Date.parse(at);
  const app = benchApp(dbPath, now);
  const baseRss = process.memoryUsage().rss;
  const figures = await runDue(app, now, readyThrough);
  app.close();
  console.log(JSON.stringify({ ...figures, baseRss }));
}
