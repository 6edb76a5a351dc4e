/**
 * `sudi summarise [--limit N] [--refresh] [--retry-failed]`: writes Chinese cards for stored
 * papers that lack one (fallback cards included, so they get upgraded), newest first. On a terminal it draws a progress bar
 * (done/total, failures, tokens) that log lines print above; otherwise it logs plain lines.
 */
import { buildApp } from "../app.ts";
import { loadConfig, secretsOf } from "../config.ts";
import { createLogger } from "../log.ts";
import type { SummariseProgress } from "../summarise/summariser.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

const HELP = `Usage: sudi summarise [--limit N] [--refresh] [--retry-failed]

Writes a Chinese card for every stored paper that has no real card yet, and replaces fallback
cards, newest announcement first, with SUDI_LLM_CONCURRENCY calls in flight. Cards written by
an older prompt or another model (OPENAI_MODEL) stay as they are unless --refresh asks.
A paper the LLM failed on is asked again at most once a day and not after 3 failures, unless
--retry-failed asks. Without OPENAI_API_KEY, or once the day's SUDI_LLM_DAILY_TOKENS are
spent, papers get fallback cards built from their metadata.

Options:
  --limit N        summarise at most N papers (default: all that need a card)
  --refresh        also rewrite cards of an older prompt version or another model
  --retry-failed   ask again for papers the LLM failed on, whatever their record
  --help           this text`;

export interface SummariseArgs {
  limit?: number;
  refresh: boolean;
  retryFailed: boolean;
}

/** Reads the flags; anything else is a usage error. */
export function parseSummariseArgs(args: string[]): SummariseArgs {
  const { values } = parseFlags(args, {
    limit: { type: "string" },
    refresh: { type: "boolean", default: false },
    "retry-failed": { type: "boolean", default: false },
  });
  const parsed: SummariseArgs = { refresh: values.refresh, retryFailed: values["retry-failed"] };
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) {
      throw new UsageError("--limit expects a whole number of papers, at least 1");
    }
    parsed.limit = Number(values.limit);
  }
  return parsed;
}

const compact = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n));

/** The bar's one line: `[#####-----] 42/300 · 1 failed · 12.3k tokens`. */
export function progressLine(p: SummariseProgress, width = 24): string {
  const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
  const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  return `summarising [${bar}] ${p.done}/${p.total} · ${p.failures} failed · ${compact(p.tokens)} tokens`;
}

/**
 * A one-line progress bar redrawn in place. Each redraw moves up and clears the previous bar;
 * a log line is printed in the bar's place and the bar is drawn again below it.
 */
function terminalBar(write: (line: string) => void) {
  const UP_AND_CLEAR = "\x1b[1A\x1b[2K";
  let last: string | null = null;
  let lastDraw = 0;
  return {
    draw(p: SummariseProgress, force = false) {
      const now = Date.now();
      if (!force && last !== null && now - lastDraw < 100) return;
      lastDraw = now;
      const line = progressLine(p);
      write(`${last === null ? "" : UP_AND_CLEAR}${line}`);
      last = line;
    },
    log(line: string) {
      if (last === null) return write(line);
      write(`${UP_AND_CLEAR}${line}`);
      write(last);
    },
  };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { limit, refresh, retryFailed } = parseSummariseArgs(args);
  const config = loadConfig(io.env);
  const bar = io.isTty ? terminalBar(io.err) : null;
  const log = createLogger({
    level: config.LOG_LEVEL,
    secrets: secretsOf(config),
    json: !io.isTty,
    write: bar ? (line) => bar.log(line) : io.err,
  });
  const app = buildApp({ config, log });
  try {
    if (!config.OPENAI_API_KEY) {
      log.warn("OPENAI_API_KEY is not set: papers get fallback cards built without the LLM");
    }
    let step = 0;
    const report = await app.summariser.summariseMissing({
      ...(limit === undefined ? {} : { limit }),
      refresh,
      retryFailed,
      onProgress: (p) => {
        if (bar) return bar.draw(p, p.done === p.total);
        // Plain lines: about every 10% and at the end.
        const every = Math.max(1, Math.ceil(p.total / 10));
        if (p.done === p.total || p.done >= step + every) {
          step = p.done;
          log.info("summarise progress", { ...p });
        }
      },
    });
    io.out(
      `summarised ${report.done} papers: ${report.written} cards written, ` +
        `${report.fallbacks} fallback (${report.failures} after LLM failures, ` +
        `${report.skipped} failed before and not asked again), ` +
        `${report.requests} LLM requests (${report.failedRequests} failed, ` +
        `${report.calls} answered), ${report.promptTokens} prompt + ` +
        `${report.completionTokens} completion tokens`,
    );
    return 0;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "summarise",
  help: HELP,
  run,
};
