/**
 * `sudi run-once`: one ingest, summarise and deliver round, then exit; for people who run sudi
 * from cron or CI instead of `sudi start`. The same scheduler decides what to do, so running
 * it twice, or next to a crash-resumed delivery, never sends a paper twice.
 */
import { appSecrets, buildApp, loadAppConfig } from "../app.ts";
import { createLogger } from "../log.ts";
import { type CliCommand, type CliIo, parseFlags } from "./command.ts";
import { installSignalHandlers } from "./signals.ts";

/**
 * The cron advice in the help, one line per server clock; test/cli-run-once.test.ts checks
 * each against src/arxiv/calendar.ts over a year of announcements, daylight saving included.
 */
export const CRON_EXAMPLES = [
  { zone: "UTC", timeZone: "UTC", line: "30 1 * * 1-5" },
  { zone: "Beijing time (Asia/Shanghai)", timeZone: "Asia/Shanghai", line: "30 9 * * 1-5" },
] as const;

const HELP = `Usage: sudi run-once [--respect-times]

Runs one round of the daily pipeline and exits:
  1. ingest the latest arXiv announcement if it is out and not stored yet
     (and back-fill up to 3 mailings missed since the last one stored);
  2. write the missing Chinese cards (within the LLM budget; fallback cards otherwise);
  3. resume deliveries an earlier run left unfinished, then send the newest
     ready announcement to every active, unpaused chat that has not had it.

By default step 3 ignores each chat's /settime: the time your cron line runs is the
delivery time. With --respect-times only chats whose delivery time has passed since
the announcement get it (run it every few minutes for per-chat times).

It delivers through every configured chat platform (as \`sudi start\` would: see
\`sudi start --help\`) and prints console-chat digests on standard output.
A run never sends a paper twice to a chat, whatever runs before or after it.

One summary line is logged per run (papers ingested, cards written, tokens used,
digests sent, failures). Exit code 0 when the run had no failures, 1 otherwise;
on 1, an error line says what failed (ingest, summarise or which deliveries).

arXiv announces Sunday to Thursday at 20:00 New York time: 00:00 UTC in summer
(EDT), 01:00 UTC in winter (EST), i.e. 08:00 or 09:00 Beijing time, Monday to
Friday. A run at 01:30 UTC (09:30 Beijing) follows both. cron reads the server's
own clock (Debian's cron ignores CRON_TZ), so pick the line for that clock:
${CRON_EXAMPLES.map((e) => `  # server clock: ${e.zone}\n  ${e.line}  cd /srv/sudi && npx sudi run-once >> run-once.log 2>&1`).join("\n")}`;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { "respect-times": { type: "boolean", default: false } });
  const config = loadAppConfig(io.env);
  const log = createLogger({
    level: config.LOG_LEVEL,
    secrets: appSecrets(config),
    json: !io.isTty,
    write: (line) => io.err(line),
  });
  const app = buildApp({ config, log, ...(io.clock ? { clock: io.clock } : {}) });
  // The same senders `sudi start` delivers with, migrations and all, minus receiving updates.
  const senders = await app.senders({ out: io.out, stdin: io.stdin, interactive: false });
  const daemon = app.daemon(senders);
  const removeHandlers = installSignalHandlers(daemon, log);
  try {
    const summary = await daemon.runOnce({ respectChatTimes: values["respect-times"] });
    if (summary.failures === 0) return 0;
    const what = summary.problems.length > 0 ? summary.problems.join("; ") : "see the log above";
    // The summary line only counts; this one says what to look at.
    log.error(`run-once failed: ${what}`, { failures: summary.failures });
    return 1;
  } finally {
    removeHandlers();
    await daemon.shutdown();
  }
}

export const command: CliCommand = {
  name: "run-once",
  help: HELP,
  run,
};
