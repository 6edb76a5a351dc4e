/**
 * The web archive's HTML: the page frame (header, search form, footer) and a card as an
 * <article>. Every dynamic string goes through `esc`; every link is built from a validated id
 * (arXiv links from the id, archive links through WebLinks). No inline script or style, so
 * the Content-Security-Policy can forbid both.
 */

import { SHORT_CARD } from "../core/card-sections.ts";
import { type Line, markCards, type RichMessage } from "../core/message.ts";
import { CARD } from "../core/texts/digest.ts";
import { WEB } from "../core/texts/web.ts";
import type { WebLinks } from "../core/web-links.ts";
import { sectionLines, stars } from "../digest/card-message.ts";
import type { Card } from "../store/card.ts";
import { absUrl, pdfUrl } from "../store/paper.ts";
import { safeHttpUrl } from "../summarise/parts.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Control characters other than tab and line breaks, and the two noncharacters: never
 * meaningful in a page, parse errors in HTML and forbidden in XML (feeds).
 */
const CONTROLS = /(?![\t\n\r])\p{Cc}|[\uFFFE\uFFFF]/gu;

export function stripControls(text: string): string {
  return text.replace(CONTROLS, "");
}

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function esc(text: string): string {
  return stripControls(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A link; `href` is escaped too (it is always built by code, but never trusted blindly). */
export function a(href: string, text: string, attrs = ""): string {
  return `<a href="${esc(href)}"${attrs}>${esc(text)}</a>`;
}

/** An outbound link (arXiv, code): no referrer, no opener. */
function external(href: string, text: string): string {
  return a(href, text, ' rel="noopener noreferrer"');
}

export interface PageOptions {
  title: string;
  /** the page body, already HTML */
  body: string;
  links: WebLinks;
  stylesheet: string;
  /** an Atom feed to advertise in <head> */
  feed?: { title: string; href: string };
  /** the search box's current text */
  query?: string;
}

/** A whole page: one <h1> comes from the body; header and footer are landmarks. */
export function page(opts: PageOptions): string {
  const feed = opts.feed
    ? `\n<link rel="alternate" type="application/atom+xml" title="${esc(opts.feed.title)}" href="${esc(opts.feed.href)}">`
    : "";
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)} · ${esc(WEB.siteName)}</title>
<link rel="stylesheet" href="${esc(opts.stylesheet)}">${feed}
</head>
<body>
<a class="skip" href="#main">${esc(WEB.skipToContent)}</a>
<header class="site">
${a(opts.links.home(), `📚 ${WEB.siteName}`, ' class="brand"')}
<nav aria-label="${esc(WEB.navLabel)}"><ul>
<li>${a(opts.links.home(), WEB.navHome)}</li>
<li>${a(opts.links.url("/topics"), WEB.navTopics)}</li>
<li>${a(opts.links.url("/days"), WEB.navDays)}</li>
</ul></nav>
<form class="search" role="search" action="${esc(opts.links.url("/search"))}" method="get">
<label class="visually-hidden" for="q">${esc(WEB.searchLabel)}</label>
<input id="q" name="q" type="search" maxlength="100" value="${esc(opts.query ?? "")}" placeholder="${esc(WEB.searchPlaceholder)}">
<button type="submit">${esc(WEB.searchButton)}</button>
</form>
</header>
<main id="main">
${opts.body}
</main>
<footer class="site"><p>${esc(WEB.footer)}</p><p>${esc(WEB.footerFeeds)}</p></footer>
</body>
</html>
`;
}

function topicLinks(card: Card, taxonomy: Taxonomy, links: WebLinks): string {
  const names = card.topics.flatMap((id) => {
    const topic = taxonomy.topics.find((t) => t.id === id);
    return topic ? [a(links.topic(topic.id), `#${topic.name}`)] : [];
  });
  return names.join(" ");
}

/** arXiv, PDF and code links of a card, built from the id (code only when http(s)). */
export function cardLinks(card: Card): string {
  const code = safeHttpUrl(card.links.code);
  return [
    `<li>${external(absUrl(card.paper_id), CARD.abs)}</li>`,
    `<li>${external(pdfUrl(card.paper_id), CARD.pdf)}</li>`,
    ...(code ? [`<li>${external(code, CARD.code)}</li>`] : []),
  ].join("");
}

/**
 * A card in full: Chinese title (linking to the paper page unless it is that page), English
 * title, authors, 一句话 / 动机 / 方法 / 效果, topics and 推荐指数, links.
 */
export function cardArticle(
  card: Card,
  taxonomy: Taxonomy,
  links: WebLinks,
  opts: { heading: "h1" | "h3"; linkTitle: boolean },
): string {
  const h = opts.heading;
  const title = opts.linkTitle ? a(links.paper(card.paper_id), card.title_zh) : esc(card.title_zh);
  const parts = [`<${h}>${title}</${h}>`];
  if (!card.fallback && card.title_en && card.title_en !== card.title_zh) {
    parts.push(`<p class="en" lang="en">${esc(card.title_en)}</p>`);
  }
  const who = [card.authors.trim()];
  if (card.affiliations.length) who[0] = `${who[0]}（${card.affiliations.join("、")}）`;
  if (card.venue) who.push(card.venue);
  const authors = who.filter(Boolean).join(CARD.separator);
  if (authors) parts.push(`<p class="meta">${esc(CARD.authors + authors)}</p>`);
  if (card.fallback) {
    parts.push(`<p><span class="pending">${esc(CARD.pending)}</span></p>`);
    if (card.tldr) parts.push(`<p lang="en">${esc(card.tldr)}</p>`);
  } else {
    // The sections the card table shows on a paper (一句话, 动机, 方法, 效果 ...), labelled.
    for (const line of sectionLines(SHORT_CARD, card, "paper")) {
      parts.push(`<p>${esc(line.map((s) => s.text).join(""))}</p>`);
    }
  }
  const tags = topicLinks(card, taxonomy, links);
  const score = card.score !== null ? `${CARD.score}${stars(card.score)}` : "";
  if (tags || score) {
    parts.push(
      `<p class="tags">${esc(CARD.tags)}${tags}${tags && score ? esc(CARD.separator) : ""}${esc(score)}</p>`,
    );
  }
  parts.push(`<ul class="links">${cardLinks(card)}</ul>`);
  return `<article class="card">\n${parts.join("\n")}\n</article>`;
}

/** A card in one short entry (day, topic and search lists): title, 一句话, stars. */
export function cardEntry(card: Card, links: WebLinks): string {
  const parts = [`<h3>${a(links.paper(card.paper_id), card.title_zh)}</h3>`];
  if (!card.fallback && card.title_en !== card.title_zh) {
    parts.push(`<p class="en" lang="en">${esc(card.title_en)}</p>`);
  }
  const brief = card.fallback
    ? `${CARD.pending}${card.tldr}`
    : (sectionLines(SHORT_CARD, card, "brief")[0] ?? []).map((s) => s.text).join("");
  if (brief.trim()) parts.push(`<p class="tldr">${esc(brief)}</p>`);
  const meta = [card.paper_id, card.score !== null ? `${CARD.score}${stars(card.score)}` : ""];
  parts.push(`<p class="meta">${esc(meta.filter(Boolean).join(CARD.separator))}</p>`);
  return `<article class="card brief">\n${parts.join("\n")}\n</article>`;
}

/**
 * A neutral message (src/core/message.ts) as HTML, for content other parts of sudi lay out
 * (deep-read cards, reports, a digest): every span escaped, links only when absolute http(s)
 * or an archive path, headings as <h3>. A digest's per-chat card marks are laid in first, as
 * every renderer does.
 */
export function richMessageHtml(unmarked: RichMessage): string {
  const message = markCards(unmarked);
  const line = (spans: Line) =>
    spans
      .map((s) => {
        let out = esc(s.text);
        if (s.code) out = `<code>${out}</code>`;
        if (s.italic) out = `<i>${out}</i>`;
        if (s.bold) out = `<b>${out}</b>`;
        if (s.href && (/^https?:\/\//i.test(s.href) || /^\/(?!\/)/.test(s.href))) {
          out = `<a href="${esc(s.href)}" rel="noopener noreferrer">${out}</a>`;
        }
        return out;
      })
      .join("");
  return message.blocks
    .map((b) => {
      const title = b.title ? `<h3>${line(b.title)}</h3>\n` : "";
      const body = b.lines.length ? `<p>${b.lines.map(line).join("<br>\n")}</p>` : "";
      // Labelled parts (a deep-read card's 研究背景, 实验效果 ...): a term and its text each.
      const fields = b.fields?.length
        ? `\n<dl>${b.fields.map((f) => `<dt>${esc(f.name)}</dt><dd>${f.lines.map(line).join("<br>\n")}</dd>`).join("")}</dl>`
        : "";
      return `${title}${body}${fields}`;
    })
    .join("\n");
}
