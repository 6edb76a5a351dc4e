/**
 * `sudi ingest [--date YYYY-MM-DD] [--file FEED.xml]`: pulls one arXiv announcement into the
 * store and prints a one-line summary. Exit codes: 0 done (or already done), 1 failed,
 * 2 bad usage, 75 the feed is empty for now (try again later).
 */
import { existsSync } from "node:fs";
import { buildApp } from "../app.ts";
import { InvalidAnnounceDateError } from "../arxiv/calendar.ts";
import { ArxivParseError, EmptyFeedError } from "../arxiv/errors.ts";
import { IngestInputError, type IngestResult, ingestAnnouncement } from "../arxiv/ingest.ts";
import { loadConfig } from "../config.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

/** EX_TEMPFAIL: nothing is wrong, but there is nothing to ingest yet. */
export const EXIT_TRY_LATER = 75;

const HELP = `Usage: sudi ingest [--date YYYY-MM-DD] [--file FEED.xml]

Pulls an arXiv announcement into the store (SUDI_DB_PATH) for the categories in
SUDI_CATEGORIES, then prints a one-line summary.

  (no option)        the latest announcement: the feed at ARXIV_RSS_URL/<cat1+cat2+...>,
                     then full metadata from ARXIV_API_URL, at most one request every
                     ARXIV_MIN_INTERVAL_MS
  --date YYYY-MM-DD  back-fill that announcement day (Monday to Friday) from the API:
                     the papers submitted in its window (14:00 to 14:00 US Eastern)
  --file FILE        read FILE instead of the network: an announcement feed (RSS or Atom),
                     or an API response (then --date names its announcement day)
  -h, --help         this help

New and cross-listed papers are stored and announced; replaced papers only update papers
already stored. A day that was already ingested is not fetched or written again.

Exit codes: 0 done or already done; 1 failed (nothing was written); 2 bad usage;
75 the feed lists no papers yet (weekend, holiday, or arXiv has not announced): try later.`;

interface IngestArgs {
  date?: string;
  file?: string;
}

function parseIngestArgs(args: string[]): IngestArgs {
  const { values } = parseFlags(args, { date: { type: "string" }, file: { type: "string" } });
  const { date, file } = values;
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new UsageError(`--date must be YYYY-MM-DD, not ${JSON.stringify(date)}`);
  }
  if (file !== undefined && !existsSync(file)) {
    throw new UsageError(`--file: no such file: ${file}`);
  }
  return { ...(date ? { date } : {}), ...(file ? { file } : {}) };
}

function summary(result: IngestResult, categories: string[]): string {
  const counts = `${result.newCount} new, ${result.crossCount} cross, ${result.replaceCount} replaced`;
  if (result.skippedAlreadyIngested) {
    return `${result.announceDate} was already ingested (${counts}); nothing changed`;
  }
  return `ingested ${result.announceDate} from ${result.source} (${categories.join("+")}): ${counts}; ${result.stored} papers stored or updated`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const opts = parseIngestArgs(args);
  const config = loadConfig(io.env);
  const app = buildApp({ config });
  try {
    const result = await ingestAnnouncement(
      { client: app.arxiv(), store: app.papers, log: app.log },
      { categories: config.SUDI_CATEGORIES, ...opts },
    );
    io.out(summary(result, config.SUDI_CATEGORIES));
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
  summary: "pull the latest (or a given) arXiv announcement into the store",
  help: HELP,
  run,
};
