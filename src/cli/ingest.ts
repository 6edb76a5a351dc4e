/**
 * `sudi ingest [--date YYYY-MM-DD] [--file FEED.xml]`: pulls one arXiv announcement into the
 * store and prints a one-line summary. Exit codes: 0 done (or already done), 1 failed,
 * 2 bad usage, 75 the feed is empty for now (try again later).
 */
import { existsSync } from "node:fs";
import { buildApp } from "../app.ts";
import { InvalidAnnounceDateError, isMailingDate } from "../arxiv/calendar.ts";
import { ArxivParseError, EmptyFeedError } from "../arxiv/errors.ts";
import { IngestInputError, type IngestResult, ingestAnnouncement } from "../arxiv/ingest.ts";
import { loadConfig } from "../config.ts";
import { addDays } from "../core/zoned-time.ts";
import { redact } from "../log.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

/** EX_TEMPFAIL: nothing is wrong, but there is nothing to ingest yet. */
export const EXIT_TRY_LATER = 75;

const HELP = `Usage: sudi ingest [--date YYYY-MM-DD] [--file FEED.xml]
       sudi ingest --from YYYY-MM-DD --to YYYY-MM-DD

Pulls an arXiv announcement into the store (SUDI_DB_PATH) for the categories in
SUDI_CATEGORIES, then prints a one-line summary.

  (no option)        the latest announcement: the feed at ARXIV_RSS_URL/<cat1+cat2+...>,
                     then full metadata from ARXIV_API_URL, at most one request every
                     ARXIV_MIN_INTERVAL_MS
  --date YYYY-MM-DD  back-fill that announcement day (Monday to Friday) from the API:
                     the papers submitted in its window (14:00 to 14:00 US Eastern)
  --file FILE        read FILE instead of the network: an announcement feed (RSS or Atom),
                     or an API response (then --date names its announcement day)
  --from D --to D    back-fill every announcement day from D to D (at most 400 days; for a
                     周报 or 月报), one day after another through the API at arXiv's pace,
                     with a progress bar; days already ingested are skipped
  -h, --help         this help

New and cross-listed papers are stored and announced; replaced papers only update papers
already stored. A day that was already ingested is not fetched or written again.

Exit codes: 0 done or already done; 1 failed (nothing was written); 2 bad usage;
75 the feed lists no papers yet (weekend, holiday, or arXiv has not announced): try later.`;

interface IngestArgs {
  date?: string;
  file?: string;
  from?: string;
  to?: string;
}

/** The longest back-fill one run accepts (a year and a bit). */
const MAX_RANGE_DAYS = 400;

function parseIngestArgs(args: string[]): IngestArgs {
  const { values } = parseFlags(args, {
    date: { type: "string" },
    file: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
  });
  const { date, file, from, to } = values;
  if (from !== undefined || to !== undefined) {
    if (!from || !to) throw new UsageError("--from and --to go together");
    if (date || file) throw new UsageError("--from/--to cannot be combined with --date or --file");
    for (const [name, v] of [
      ["--from", from],
      ["--to", to],
    ] as const) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
        throw new UsageError(`${name} must be a date YYYY-MM-DD, not ${JSON.stringify(v)}`);
      }
    }
    if (from > to) throw new UsageError("--from must not be after --to");
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (days > MAX_RANGE_DAYS) throw new UsageError(`at most ${MAX_RANGE_DAYS} days per run`);
    return { from, to };
  }
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new UsageError(`--date must be YYYY-MM-DD, not ${JSON.stringify(date)}`);
  }
  if (file !== undefined && !existsSync(file)) {
    throw new UsageError(`--file: no such file: ${file}`);
  }
  return { ...(date ? { date } : {}), ...(file ? { file } : {}) };
}

function summary(result: IngestResult): string {
  const categories = result.categories;
  const counts = `${result.newCount} new, ${result.crossCount} cross, ${result.replaceCount} replaced`;
  if (result.skippedAlreadyIngested) {
    return `${result.announceDate} was already ingested (${counts}); nothing changed`;
  }
  return `ingested ${result.announceDate} from ${result.source} (${categories.join("+")}): ${counts}; ${result.stored} papers stored or updated`;
}

/** The announcement days (Monday–Friday, not a known holiday) from `from` to `to`. */
export function backfillDays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isMailingDate(d)) out.push(d);
  return out;
}

/** `[█████░░░░░] 5/22 2024-04-08: 812 new, 40 cross` */
export function backfillLine(done: number, total: number, detail: string, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `back-filling [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total} ${detail}`;
}

/** `sudi ingest --from --to`: one day after another; a failed day is reported, not fatal. */
async function backfill(from: string, to: string, io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  const app = buildApp({ config });
  const days = backfillDays(from, to);
  let failed = 0;
  let papers = 0;
  const UP_AND_CLEAR = "\x1b[1A\x1b[2K";
  let drawn = false;
  const progress = (done: number, detail: string) => {
    const line = backfillLine(done, days.length, detail);
    if (io.isTty) {
      io.err(`${drawn ? UP_AND_CLEAR : ""}${line}`);
      drawn = true;
    } else io.err(line);
  };
  try {
    progress(0, "");
    for (const [i, date] of days.entries()) {
      let detail: string;
      try {
        const r = await ingestAnnouncement(
          { client: app.arxiv(), store: app.papers, log: app.log },
          { categories: config.SUDI_CATEGORIES, date },
        );
        papers += r.skippedAlreadyIngested ? 0 : r.stored;
        detail = r.skippedAlreadyIngested
          ? `${date}: already ingested`
          : `${date}: ${r.newCount} new, ${r.crossCount} cross`;
      } catch (error) {
        failed++;
        detail = `${date}: failed (${redact(error instanceof Error ? error.message : String(error))})`;
        if (io.isTty) drawn = false; // keep the failure on screen
        io.err(`sudi ingest: ${detail}`);
      }
      progress(i + 1, detail);
    }
    io.out(
      `back-filled ${from} to ${to}: ${days.length - failed} of ${days.length} announcement days, ${papers} papers stored or updated${failed ? `; ${failed} failed (run again to retry them)` : ""}`,
    );
    return failed ? 1 : 0;
  } finally {
    app.close();
  }
}

async function run(args: string[], io: CliIo): Promise<number> {
  const opts = parseIngestArgs(args);
  if (opts.from && opts.to) return backfill(opts.from, opts.to, io);
  const config = loadConfig(io.env);
  const app = buildApp({ config });
  try {
    const result = await ingestAnnouncement(
      { client: app.arxiv(), store: app.papers, log: app.log },
      { categories: config.SUDI_CATEGORIES, ...opts },
    );
    io.out(summary(result));
    return 0;
  } catch (error) {
    if (error instanceof EmptyFeedError) {
      io.err(
        `sudi ingest: ${error.message}\narXiv has not announced yet, or it is a weekend or holiday; nothing was written. Try again later, or back-fill a day with --date YYYY-MM-DD.`,
      );
      return EXIT_TRY_LATER;
    }
    if (error instanceof IngestInputError || error instanceof InvalidAnnounceDateError) {
      throw new UsageError(error.message);
    }
    if (error instanceof ArxivParseError) {
      io.err(`sudi ingest: ${error.message}; nothing was written`);
      return 1;
    }
    throw error;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "ingest",
  help: HELP,
  run,
};
