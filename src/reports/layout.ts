/**
 * A report as neutral messages (src/digest/message.ts), for chats: the full report (header,
 * then chapters in the seed's order with 【…】 headlines and 2–3 sentences), the TL;DR table
 * as a compact numbered list, and the short summary a long report is delivered as (header,
 * chart photo, the top 3 per chapter, the full report as an HTML file).
 */

import {
  type Attachment,
  type Block,
  bold,
  italic,
  type Line,
  link,
  type RichMessage,
  span,
} from "../core/message.ts";
import { R, REPORT_NAME } from "../core/texts/reports.ts";
import { absUrl, pdfUrl } from "../store/paper.ts";
import type { Report, ReportChapter, ReportItem } from "./select.ts";

export type ReportLayout = "headlines" | "table";

/** Top papers per chapter in the summary message of a long report. */
export const SUMMARY_PER_CHAPTER = 3;

const safeCode = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);

/** The header block: period, papers seen and matched, per chapter, rose/fell, signals. */
export function headerBlock(report: Report): Block {
  const name = REPORT_NAME[report.period.kind];
  const lines: Line[] = [];
  lines.push([
    span(report.scope === "all" ? R.seenAll(report.seen) : R.seen(report.seen, report.matched)),
  ]);
  const counted = report.chapters.filter((c) => c.total > 0);
  if (counted.length)
    lines.push([span(R.perChapter(counted.map((c) => R.chapterCount(c.chapter, c.total))))]);
  lines.push(...changeLines(report.chapters).map((t) => [span(t)]));
  if (report.keywords.length)
    lines.push([span(R.keywords(report.keywords.slice(0, 6).map((k) => k.word)))]);
  lines.push([span(R.signals(signalNames(report)))]);
  if (report.missingDates.length) lines.push([span(R.missingDays(report.missingDates))]);
  return { kind: "heading", title: [bold(R.title(name, report.label))], lines };
}

/** "比上期多 / 比上期少" lines; one line when the previous period is unknown or flat. */
export function changeLines(chapters: readonly ReportChapter[]): string[] {
  if (chapters.some((c) => c.previous === null)) return [R.noPrevious];
  const deltas = chapters
    .map((c) => ({ chapter: c.chapter, delta: c.total - (c.previous ?? 0) }))
    .filter((d) => d.delta !== 0);
  const rose = deltas.filter((d) => d.delta > 0).sort((a, b) => b.delta - a.delta);
  const fell = deltas.filter((d) => d.delta < 0).sort((a, b) => a.delta - b.delta);
  const out: string[] = [];
  if (rose.length) out.push(R.rose(rose.slice(0, 3).map((d) => R.change(d.chapter, d.delta))));
  if (fell.length) out.push(R.fell(fell.slice(0, 3).map((d) => R.change(d.chapter, d.delta))));
  return out.length ? out : [R.steady];
}

/** The signals line: which ranking signals were used, and which sources were missing. */
export function signalNames(report: Report): string[] {
  const names: string[] = report.signals.map((s) => R.signalName[s]);
  for (const note of report.signalNotes) {
    if (note.source === "hf" && note.state === "failed") names.push(R.hfFailed);
    if (note.source === "github" && note.state === "failed") names.push(R.githubFailed);
    if (note.source === "github" && note.state === "partial") {
      names.push(R.githubPartial(note.known, note.wanted));
    }
  }
  return names;
}

function linksLine(item: ReportItem): Line {
  const id = item.paper.id;
  const line: Line = [link("arXiv", absUrl(id)), span(" · "), link("PDF", pdfUrl(id))];
  const code = safeCode(item.card.links.code);
  if (code) line.push(span(" · "), link("代码", code));
  const pop = R.popularity(item.popularity?.upvotes, item.popularity?.stars);
  if (pop) line.push(span(` · ${pop}`));
  return line;
}

function itemBlock(item: ReportItem): Block {
  const lines: Line[] = [[italic(item.card.title_en)]];
  if (item.sentences.length) lines.push([span(item.sentences.join(""))]);
  lines.push(linksLine(item));
  return { kind: "text", title: [bold(item.headline)], lines };
}

function chapterHeading(c: ReportChapter): Block {
  return {
    kind: "heading",
    title: [bold(R.chapter(c.chapter, c.items.length, c.total))],
    lines: [],
  };
}

/** The TL;DR table in a chat: one numbered line per paper, chapter by chapter. */
function tableBlocks(report: Report): Block[] {
  const blocks: Block[] = [];
  let n = 0;
  for (const c of report.chapters) {
    if (!c.items.length) continue;
    const lines: Line[] = c.items.map((item) => [
      span(`${++n}. `),
      link(item.paper.id, absUrl(item.paper.id)),
      span(` ${item.card.title_zh} — ${item.card.tldr}`),
    ]);
    blocks.push({
      kind: "text",
      title: [bold(R.chapter(c.chapter, c.items.length, c.total))],
      lines,
    });
  }
  return blocks;
}

/** Whether a report has anything to show (else the chat gets the "empty" line). */
export const hasItems = (report: Report) => report.chapters.some((c) => c.items.length > 0);

/** The one-line answer when there is no report body: unseen, empty, no papers. */
export function emptyReportMessage(report: Report): RichMessage {
  const text = report.unseen ? R.unseen(report.label) : R.empty(report.label);
  return { blocks: [headerBlock(report), { kind: "text", lines: [[span(text)]] }] };
}

/** The full report as one message (split by each platform's splitter). */
export function reportMessage(report: Report, layout: ReportLayout = "headlines"): RichMessage {
  if (report.unseen || !hasItems(report)) return emptyReportMessage(report);
  const body =
    layout === "table"
      ? tableBlocks(report)
      : report.chapters.flatMap((c) =>
          c.items.length ? [chapterHeading(c), ...c.items.map(itemBlock)] : [],
        );
  return { blocks: [headerBlock(report), ...body, { kind: "footer", lines: [[span(R.footer)]] }] };
}

/**
 * What a chat gets for a long report, as separate messages sent in order: the chart photo
 * (when there is one), the summary (header, top 3 per chapter, the web link), and the full
 * report as an HTML file.
 */
export function summaryMessages(
  report: Report,
  files: { chart?: Attachment; html?: Attachment; webUrl?: string },
): RichMessage[] {
  if (report.unseen || !hasItems(report)) return [emptyReportMessage(report)];
  const out: RichMessage[] = [];
  if (files.chart) {
    out.push({
      blocks: [
        {
          kind: "text",
          lines: [[span(R.chartTitle(REPORT_NAME[report.period.kind], report.label))]],
        },
      ],
      attachments: [files.chart],
    });
  }
  const blocks: Block[] = [headerBlock(report)];
  let shown = 0;
  for (const c of report.chapters) {
    if (!c.items.length) continue;
    const top = c.items.slice(0, SUMMARY_PER_CHAPTER);
    shown += c.items.length;
    blocks.push({
      kind: "text",
      title: [bold(R.chapter(c.chapter, c.items.length, c.total))],
      lines: top.map((item) => [span("• "), link(item.headline, absUrl(item.paper.id))]),
    });
  }
  const footer: Line[] = [[span(R.summaryMore(shown))]];
  if (files.webUrl) footer.push([link(R.webLink, files.webUrl)]);
  blocks.push({ kind: "footer", lines: footer });
  out.push({ blocks });
  if (files.html) {
    out.push({
      blocks: [
        { kind: "text", lines: [[span(R.title(REPORT_NAME[report.period.kind], report.label))]] },
      ],
      attachments: [files.html],
    });
  }
  return out;
}
