/**
 * Reports as documents: a standalone HTML page (the file a chat receives, `sudi report
 * --format html`), Markdown, plain text and JSON. The TL;DR table format is Ref | Title |
 * Summary in HTML and Markdown. Every dynamic string is escaped; the HTML has no script, no
 * external resource (the chart is embedded as a data: URI) and closes every tag.
 */

import { plainText } from "../core/message.ts";
import { R, REPORT_NAME } from "../core/texts/reports.ts";
import { absUrl, pdfUrl } from "../store/paper.ts";
import {
  changeLines,
  hasItems,
  headerBlock,
  type ReportLayout,
  reportMessage,
  signalNames,
} from "./layout.ts";
import type { Report, ReportItem } from "./select.ts";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
const safeCode = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);

const STYLE = `body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:860px;margin:2em auto;padding:0 1em;line-height:1.6;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1em;margin:1.2em 0 .2em}p{margin:.3em 0}.en{color:#555;font-style:italic}.links{font-size:.9em;color:#666}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}
img{max-width:100%;height:auto}`;

function linksHtml(item: ReportItem): string {
  const id = item.paper.id;
  const parts = [
    `<a href="${escapeHtml(absUrl(id))}">arXiv</a>`,
    `<a href="${escapeHtml(pdfUrl(id))}">PDF</a>`,
  ];
  const code = safeCode(item.card.links.code);
  if (code) parts.push(`<a href="${escapeHtml(code)}" rel="noopener">代码</a>`);
  const pop = R.popularity(item.popularity?.upvotes, item.popularity?.stars);
  if (pop) parts.push(escapeHtml(pop));
  return parts.join(" · ");
}

function headerHtml(report: Report): string {
  const header = headerBlock(report);
  const title = (header.title ?? []).map((s) => s.text).join("");
  const lines = header.lines.map((l) => `<p>${escapeHtml(l.map((s) => s.text).join(""))}</p>`);
  return `<h1>${escapeHtml(title)}</h1>\n${lines.join("\n")}`;
}

function tableHtml(report: Report): string {
  const [ref, title, summary] = R.tableHeader;
  const rows = report.chapters.flatMap((c) =>
    c.items.map(
      (it) =>
        `<tr><td><a href="${escapeHtml(absUrl(it.paper.id))}">${escapeHtml(it.paper.id)}</a></td>` +
        `<td>${escapeHtml(it.card.title_zh)}<br><span class="en">${escapeHtml(it.card.title_en)}</span></td>` +
        `<td>${escapeHtml(it.card.tldr)}</td></tr>`,
    ),
  );
  return `<table>\n<thead><tr><th>${ref}</th><th>${title}</th><th>${summary}</th></tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
}

/**
 * An entry's HTML, remembered per card: a bulk run puts the same paper into thousands of
 * chats' reports, and each would otherwise escape and join it again.
 */
const entries = new WeakMap<ReportItem["card"], { item: ReportItem; html: string }>();

function itemHtml(it: ReportItem): string {
  const hit = entries.get(it.card);
  // The same paper's entry: its lines are shared between reports, so identity suffices.
  if (
    hit &&
    hit.item.headline === it.headline &&
    hit.item.sentences === it.sentences &&
    hit.item.paper.id === it.paper.id &&
    hit.item.popularity?.upvotes === it.popularity?.upvotes &&
    hit.item.popularity?.stars === it.popularity?.stars
  ) {
    return hit.html;
  }
  const sentences = it.sentences.length ? `\n<p>${escapeHtml(it.sentences.join(""))}</p>` : "";
  const html = `<h3>${escapeHtml(it.headline)}</h3>\n<p class="en">${escapeHtml(it.card.title_en)}</p>${sentences}\n<p class="links">${linksHtml(it)}</p>`;
  entries.set(it.card, { item: it, html });
  return html;
}

/** The headlines' HTML in pieces (entries' pieces are shared between reports). */
function headlinesHtml(report: Report, out: string[]): void {
  let first = true;
  for (const c of report.chapters) {
    if (!c.items.length) continue;
    out.push(
      `${first ? "" : "\n"}<h2>${escapeHtml(R.chapter(c.chapter, c.items.length, c.total))}</h2>`,
    );
    first = false;
    for (const it of c.items) out.push("\n", itemHtml(it));
  }
}

/** The report as a standalone HTML page; `chartPng` is embedded when given. */
export function reportHtml(
  report: Report,
  layout: ReportLayout = "headlines",
  chartPng?: Uint8Array,
): string {
  return reportHtmlPieces(report, layout, chartPng).join("");
}

/**
 * reportHtml() as the pieces it joins: a bulk run writes them straight into one buffer, and
 * never builds the page as one string.
 */
export function reportHtmlPieces(
  report: Report,
  layout: ReportLayout = "headlines",
  chartPng?: Uint8Array,
): string[] {
  const title = R.title(REPORT_NAME[report.period.kind], report.label);
  const chart = chartPng
    ? `<p><img alt="${escapeHtml(R.chartTitle(REPORT_NAME[report.period.kind], report.label))}" src="data:image/png;base64,${Buffer.from(chartPng).toString("base64")}"></p>\n`
    : "";
  const out = [
    `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${headerHtml(report)}
${chart}`,
  ];
  if (report.unseen) out.push(`<p>${escapeHtml(R.unseen(report.label))}</p>`);
  else if (!hasItems(report)) out.push(`<p>${escapeHtml(R.empty(report.label))}</p>`);
  else if (layout === "table") out.push(tableHtml(report));
  else headlinesHtml(report, out);
  out.push(`
<p class="links">${escapeHtml(R.footer)}</p>
</body>
</html>
`);
  return out;
}

const mdEscape = (t: string) => t.replace(/([\\`*_[\]<>|#])/g, "\\$1").replace(/\n/g, " ");

/** The report as Markdown (the table format as a Ref | Title | Summary table). */
export function reportMarkdown(report: Report, layout: ReportLayout = "headlines"): string {
  const header = headerBlock(report);
  const out = [`# ${mdEscape((header.title ?? []).map((s) => s.text).join(""))}`, ""];
  for (const l of header.lines) out.push(mdEscape(l.map((s) => s.text).join("")), "");
  if (report.unseen) return [...out, mdEscape(R.unseen(report.label)), ""].join("\n");
  if (!hasItems(report)) return [...out, mdEscape(R.empty(report.label)), ""].join("\n");
  if (layout === "table") {
    out.push(`| ${R.tableHeader.join(" | ")} |`, "| --- | --- | --- |");
    for (const c of report.chapters) {
      for (const it of c.items) {
        out.push(
          `| [${it.paper.id}](${absUrl(it.paper.id)}) | ${mdEscape(it.card.title_zh)} | ${mdEscape(it.card.tldr)} |`,
        );
      }
    }
    out.push("");
  } else {
    for (const c of report.chapters) {
      if (!c.items.length) continue;
      out.push(`## ${mdEscape(R.chapter(c.chapter, c.items.length, c.total))}`, "");
      for (const it of c.items) {
        out.push(`**${mdEscape(it.headline)}**`, "", `*${mdEscape(it.card.title_en)}*`, "");
        if (it.sentences.length) out.push(mdEscape(it.sentences.join("")), "");
        const code = safeCode(it.card.links.code);
        out.push(
          `[arXiv](${absUrl(it.paper.id)}) · [PDF](${pdfUrl(it.paper.id)})${code ? ` · [代码](<${code}>)` : ""}`,
          "",
        );
      }
    }
  }
  return out.join("\n");
}

/** The report as plain text (what the console chat shows). */
export function reportText(report: Report, layout: ReportLayout = "headlines"): string {
  return `${plainText(reportMessage(report, layout))}\n`;
}

/** The report as JSON for scripts. */
export function reportJson(report: Report): Record<string, unknown> {
  return {
    period: report.period.key,
    kind: report.period.kind,
    first: report.period.first,
    last: report.period.last,
    label: report.label,
    scope: report.scope,
    seen: report.seen,
    matched: report.matched,
    unseen: report.unseen,
    ended: report.ended,
    missingDates: report.missingDates,
    changes: changeLines(report.chapters),
    signals: report.signals,
    signalNotes: signalNames(report),
    keywords: report.keywords,
    chapters: report.chapters.map((c) => ({
      chapter: c.chapter,
      total: c.total,
      previous: c.previous,
      items: c.items.map((it) => ({
        id: it.paper.id,
        version: it.paper.version,
        headline: it.headline,
        sentences: it.sentences,
        title_zh: it.card.title_zh,
        title_en: it.card.title_en,
        tldr: it.card.tldr,
        score: it.card.score,
        upvotes: it.popularity?.upvotes ?? null,
        stars: it.popularity?.stars ?? null,
        links: {
          abs: absUrl(it.paper.id),
          pdf: pdfUrl(it.paper.id),
          code: safeCode(it.card.links.code),
        },
      })),
    })),
  };
}
