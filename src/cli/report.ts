/**
 * `sudi report --week 2024-W17 | --month 2024-04 [--topics a,b] [--format ...] [--chart FILE]`:
 * prints a 周报 or 月报 from the store. Without --topics the report covers every paper of
 * the period (what the web archive shows); with them, the papers those topics match. A
 * period the store has not seen says so (exit 1) rather than printing an empty report.
 */
import { writeFileSync } from "node:fs";
import { buildApp } from "../app.ts";
import { resolveItem } from "../commands/subscriptions.ts";
import { loadConfig } from "../config.ts";
import { R } from "../core/texts/reports.ts";
import { InvalidPeriodError, type Period, parsePeriod } from "../reports/period.ts";
import { reportHtml, reportJson, reportMarkdown, reportText } from "../reports/render.ts";
import type { Subscription } from "../store/subscriptions.ts";
import { type CliCommand, type CliIo, parseFlags, topicsFlag, UsageError } from "./command.ts";

const FORMATS = ["text", "markdown", "html", "json", "table"] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: sudi report --week 2024-W17 | --month 2024-04 [--topics a,b]
                   [--format text|markdown|html|json|table] [--chart FILE.png]

Prints a 周报 (the announcements dated Monday to Friday of an ISO week) or a 月报 (those
dated in a calendar month) from the store (SUDI_DB_PATH), in the seed's chapter order:
a header (papers seen and matched, per chapter, what rose or fell against the previous
period), then per chapter 【单位 提出 方法名：一句话】 headlines with 2–3 sentences.

  --week YYYY-Www     the ISO week, e.g. 2024-W17
  --month YYYY-MM     the calendar month, e.g. 2024-04
  --topics a,b        topics, categories or keywords (as /subscribe takes them); default:
                      every paper of the period
  --format F          text (default), markdown, html (a standalone page, chart embedded),
                      json, or table (the TL;DR table Ref | Title | Summary as Markdown;
                      with --format html use --table)
  --table             the table layout for markdown/html/text output
  --chart FILE.png    also write the period's chart (papers per chapter against the previous
                      period, top keywords) as PNG; needs a CJK font (fonts-noto-cjk)
  --offline           no popularity requests: ranked without Hugging Face and GitHub
  -h, --help          this help

Papers are ranked by 推荐指数, subscription matches and, when available, Hugging Face
upvotes (HF_API_URL) and GitHub stars of code links (GITHUB_API_URL, GITHUB_TOKEN); the
header says which signals were used. Capped at 5 per chapter and 30 in all for a 周报, 10
and 60 for a 月报. A period the store has not seen is reported as such (exit 1): back-fill it
with sudi ingest --from YYYY-MM-DD --to YYYY-MM-DD.

JSON: {period, kind, first, last, label, scope, seen, matched, unseen, ended, missingDates,
changes, signals, signalNotes, keywords, chapters: [{chapter, total, previous, items: [{id,
version, headline, sentences, title_zh, title_en, tldr, score, upvotes, stars, links}]}]}.`;

interface ReportArgs {
  period: Period;
  topics: string[];
  format: Format;
  table: boolean;
  chart?: string;
  offline: boolean;
}

export function parseReportArgs(args: string[]): ReportArgs {
  const { values } = parseFlags(args, {
    week: { type: "string" },
    month: { type: "string" },
    topics: { type: "string" },
    format: { type: "string", default: "text" },
    table: { type: "boolean", default: false },
    chart: { type: "string" },
    offline: { type: "boolean", default: false },
  });
  const week = values.week as string | undefined;
  const month = values.month as string | undefined;
  if ((week === undefined) === (month === undefined)) {
    throw new UsageError("give exactly one of --week YYYY-Www or --month YYYY-MM");
  }
  let period: Period;
  try {
    period = parsePeriod((week ?? month) as string);
  } catch (error) {
    if (error instanceof InvalidPeriodError) throw new UsageError(error.message);
    throw error;
  }
  if ((week !== undefined) !== (period.kind === "week")) {
    throw new UsageError("--week takes YYYY-Www (2024-W17), --month takes YYYY-MM (2024-04)");
  }
  const format = String(values.format) as Format;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format expects one of ${FORMATS.join(", ")}`);
  const topics = topicsFlag(values.topics, 50);
  const chart = values.chart as string | undefined;
  if (chart !== undefined && !chart.toLowerCase().endsWith(".png")) {
    throw new UsageError("--chart expects a file name ending in .png");
  }
  return {
    period,
    topics,
    format,
    table: Boolean(values.table) || format === "table",
    ...(chart ? { chart } : {}),
    offline: Boolean(values.offline),
  };
}

function subscriptionsFor(topics: string[]): Subscription[] | null {
  if (topics.length === 0) return null;
  const createdAt = new Date().toISOString();
  return topics.map((t) => {
    const r = resolveItem(t);
    if (!r.ok) throw new UsageError(`--topics: ${r.error}`);
    return { chat: 0, kind: r.target.kind, value: r.target.value, addedBy: null, createdAt };
  });
}

async function run(args: string[], io: CliIo): Promise<number> {
  const options = parseReportArgs(args);
  const subs = subscriptionsFor(options.topics);
  const config = loadConfig(io.env);
  const app = buildApp({ config, offline: options.offline });
  try {
    const { reports } = app;
    const report = await reports.builder.build(options.period, subs, {
      popularity: options.offline ? "cached" : "fetch",
    });
    if (report.unseen || (report.seen === 0 && !report.ended)) {
      const text = report.unseen ? R.unseen(report.label) : R.notEnded(report.label);
      if (options.format === "json") io.out(JSON.stringify(reportJson(report), null, 2));
      io.err(`sudi report: ${text}`);
      return 1;
    }
    const png = options.chart || options.format === "html" ? reports.chartPng(report) : undefined;
    if (options.chart) {
      if (!png) {
        io.err("sudi report: no CJK font found for the chart; install fonts-noto-cjk");
        return 1;
      }
      writeFileSync(options.chart, png);
    }
    const layout = options.table ? "table" : "headlines";
    if (options.format === "json") io.out(JSON.stringify(reportJson(report), null, 2));
    else if (options.format === "html") io.out(reportHtml(report, layout, png));
    else if (options.format === "markdown" || options.format === "table") {
      io.out(reportMarkdown(report, layout));
    } else io.out(reportText(report, layout));
    return 0;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "report",
  help: HELP,
  run,
};
