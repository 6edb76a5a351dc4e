/**
 * The archive's pages as HTML strings, from what src/web/archive.ts reads. Each function
 * returns a whole document through `page`, so every page shares the frame, the stylesheet and
 * the escaping rules.
 */
import { WEB } from "../core/texts/web.ts";
import type { WebLinks } from "../core/web-links.ts";
import type { Card } from "../store/card.ts";
import type { SearchHit } from "../store/search.ts";
import { type Taxonomy, type Topic, topicsByChapter } from "../topics/taxonomy.ts";
import type { Archive, ArchiveDayView, ArchiveEntry } from "./archive.ts";
import { a, cardArticle, cardEntry, esc, page } from "./html.ts";

export interface PageContext {
  archive: Archive;
  taxonomy: Taxonomy;
  links: WebLinks;
  stylesheet: string;
}

/** Days listed on the home page and the /days page. */
const HOME_DAYS = 10;
const ALL_DAYS = 120;

function dayBody(ctx: PageContext, view: ArchiveDayView, heading: string): string {
  const { previous, next } = ctx.archive.neighbours(view.date);
  const toc = view.chapters
    .map((c, i) => `<li><a href="#c${i}">${esc(WEB.chapter(c.chapter, c.entries.length))}</a></li>`)
    .join("");
  const chapters = view.chapters.map(
    (c, i) =>
      `<section aria-labelledby="c${i}">\n<h2 id="c${i}">${esc(WEB.chapter(c.chapter, c.entries.length))}</h2>\n${c.entries
        .map((e) => cardEntry(e.card, ctx.links))
        .join("\n")}\n</section>`,
  );
  const pager = [
    previous ? `<li>${a(ctx.links.day(previous), `${WEB.dayPrevious} ${previous}`)}</li>` : "",
    next ? `<li>${a(ctx.links.day(next), `${next} ${WEB.dayNext}`)}</li>` : "",
  ].join("");
  return [
    `<h1>${esc(heading)}</h1>`,
    `<p class="meta">${esc(WEB.dayCount(view.total))}</p>`,
    `<nav aria-label="${esc(WEB.chaptersLabel)}"><ul>${toc}</ul></nav>`,
    ...chapters,
    pager ? `<nav class="pager" aria-label="${esc(WEB.recentDays)}"><ul>${pager}</ul></nav>` : "",
  ].join("\n");
}

function recentDaysList(ctx: PageContext, limit: number): string {
  const days = ctx.archive.recentDays(limit);
  if (days.length === 0) return "";
  const items = days.map(
    (d) => `<li>${a(ctx.links.day(d.date), WEB.recentDay(d.date, d.papers))}</li>`,
  );
  return `<ul class="days">${items.join("")}</ul>`;
}

export function homePage(ctx: PageContext): string {
  const date = ctx.archive.latestDate();
  const view = date ? ctx.archive.day(date) : null;
  const body = view
    ? `${dayBody(ctx, view, `${WEB.homeTitle} · ${WEB.dayTitle(view.date)}`)}\n<h2>${esc(WEB.recentDays)}</h2>\n${recentDaysList(ctx, HOME_DAYS)}`
    : `<h1>${esc(WEB.homeTitle)}</h1>\n<p>${esc(WEB.homeEmpty)}</p>`;
  return page({ title: WEB.homeTitle, body, links: ctx.links, stylesheet: ctx.stylesheet });
}

/** The page of one announcement day, or null when the store has none of it. */
export function dayPage(ctx: PageContext, date: string): string | null {
  const view = ctx.archive.day(date);
  if (!view) return null;
  const title = WEB.dayTitle(date);
  return page({
    title,
    body: dayBody(ctx, view, title),
    links: ctx.links,
    stylesheet: ctx.stylesheet,
  });
}

export function daysPage(ctx: PageContext): string {
  const body = `<h1>${esc(WEB.recentDays)}</h1>\n${recentDaysList(ctx, ALL_DAYS) || `<p>${esc(WEB.homeEmpty)}</p>`}`;
  return page({ title: WEB.recentDays, body, links: ctx.links, stylesheet: ctx.stylesheet });
}

export function topicsPage(ctx: PageContext): string {
  const groups = topicsByChapter(ctx.taxonomy).map(
    (g) =>
      `<h2>${esc(g.chapter)}</h2>\n<ul class="topics">${g.topics
        .map(
          (t) =>
            `<li>${a(ctx.links.topic(t.id), t.name)}<span class="muted"> · ${esc(t.description)}</span></li>`,
        )
        .join("")}</ul>`,
  );
  const body = `<h1>${esc(WEB.topicsTitle)}</h1>\n${groups.join("\n")}`;
  return page({ title: WEB.topicsTitle, body, links: ctx.links, stylesheet: ctx.stylesheet });
}

function entriesByDay(ctx: PageContext, entries: ArchiveEntry[]): string {
  const out: string[] = [];
  let day = "";
  for (const e of entries) {
    if (e.date !== day) {
      day = e.date;
      out.push(`<h2>${a(ctx.links.day(day), WEB.dayTitle(day))}</h2>`);
    }
    out.push(cardEntry(e.card, ctx.links));
  }
  return out.join("\n");
}

export function topicPage(ctx: PageContext, topic: Topic, entries: ArchiveEntry[]): string {
  const feedHref = ctx.links.topicFeed(topic.id);
  const body = [
    `<h1>${esc(WEB.topicTitle(topic.name))}</h1>`,
    `<p>${esc(topic.description)}</p>`,
    `<p class="meta">${esc(WEB.topicAbout(topic.chapter))}${topic.aliases.length ? `<br>${esc(WEB.topicAliases(topic.aliases.slice(0, 8)))}` : ""}</p>`,
    `<p>${a(feedHref, `📡 ${WEB.topicFeed}`)}</p>`,
    entries.length ? entriesByDay(ctx, entries) : `<p>${esc(WEB.topicEmpty)}</p>`,
  ].join("\n");
  return page({
    title: WEB.topicTitle(topic.name),
    body,
    links: ctx.links,
    stylesheet: ctx.stylesheet,
    feed: { title: WEB.feedTopicTitle(topic.name), href: feedHref },
  });
}

/** The paper page: the full card, the deep-read card when one is cached, the abstract, links. */
export function paperPage(
  ctx: PageContext,
  entry: { paper: ArchiveEntry["paper"]; card: Card },
  deepHtml: string | null,
): string {
  const { paper, card } = entry;
  const parts = [cardArticle(card, ctx.taxonomy, ctx.links, { heading: "h1", linkTitle: false })];
  if (deepHtml) {
    parts.push(
      `<section class="deep" aria-labelledby="deep">\n<h2 id="deep">${esc(WEB.paperDeep)}</h2>\n${deepHtml}\n</section>`,
    );
  }
  parts.push(
    `<details><summary>${esc(WEB.paperAbstract)}</summary><p lang="en">${esc(paper.abstract)}</p></details>`,
  );
  const meta = [`${esc(WEB.paperCategories(paper.categories))}`];
  if (paper.announceDate) {
    meta.push(
      `${esc(WEB.paperAnnounced(paper.announceDate))} · ${a(ctx.links.day(paper.announceDate), WEB.paperDayLink)}`,
    );
  }
  parts.push(`<p class="meta">${meta.join("<br>")}</p>`);
  return page({
    title: `${card.title_zh} · ${WEB.paperTitleSuffix}`,
    body: parts.join("\n"),
    links: ctx.links,
    stylesheet: ctx.stylesheet,
  });
}

export type SearchOutcome =
  | { kind: "empty" }
  | { kind: "unusable" }
  | { kind: "tooLong"; max: number }
  | { kind: "hits"; hits: SearchHit[]; cards: ReadonlyMap<string, Card> };

export function searchPage(ctx: PageContext, query: string, outcome: SearchOutcome): string {
  let body: string;
  switch (outcome.kind) {
    case "empty":
      body = `<p>${esc(WEB.searchEmpty)}</p>`;
      break;
    case "unusable":
      body = `<p>${esc(WEB.searchUnusable)}</p>`;
      break;
    case "tooLong":
      body = `<p>${esc(WEB.searchTooLong(outcome.max))}</p>`;
      break;
    case "hits": {
      const { hits, cards } = outcome;
      if (hits.length === 0) {
        body = `<p>${esc(WEB.searchNoHits(query))}</p>`;
        break;
      }
      const items = hits.map((h) => {
        const card = cards.get(h.paperId);
        if (card) return cardEntry(card, ctx.links);
        return `<article class="card brief"><h3>${a(ctx.links.paper(h.paperId), h.title)}</h3><p class="meta">${esc(h.paperId)}</p></article>`;
      });
      body = `<p class="meta">${esc(WEB.searchResults(query, hits.length))}</p>\n${items.join("\n")}`;
    }
  }
  return page({
    title: WEB.searchTitle,
    body: `<h1>${esc(WEB.searchTitle)}</h1>\n${body}`,
    links: ctx.links,
    stylesheet: ctx.stylesheet,
    query,
  });
}

/** A report page around the report's own HTML (src/reports renders and escapes it). */
export function reportPage(ctx: PageContext, title: string, html: string): string {
  return page({
    title,
    body: `<h1>${esc(title)}</h1>\n${html}`,
    links: ctx.links,
    stylesheet: ctx.stylesheet,
  });
}

/**
 * One chat's own report page (reached through its feed token): the report, a note that the
 * link is the chat's own, and a link to the public report over every topic.
 */
export function chatReportPage(
  ctx: PageContext,
  report: { title: string; html: string; period: string; chat: string | null },
): string {
  return page({
    title: report.title,
    body: [
      `<h1>${esc(report.title)}</h1>`,
      `<p class="meta">${esc(WEB.chatReportNote(report.chat))} ${a(ctx.links.report(report.period), WEB.chatReportPublic)}</p>`,
      report.html,
    ].join("\n"),
    links: ctx.links,
    stylesheet: ctx.stylesheet,
  });
}

/** The one page for every unknown path, id or token: it never says which part was wrong. */
export function notFoundPage(ctx: PageContext): string {
  return page({
    title: WEB.notFoundTitle,
    body: `<h1>${esc(WEB.notFoundTitle)}</h1>\n<p>${esc(WEB.notFound)}</p>\n<p>${a(ctx.links.home(), WEB.backHome)}</p>`,
    links: ctx.links,
    stylesheet: ctx.stylesheet,
  });
}

export function messagePage(ctx: PageContext, title: string, text: string): string {
  return page({
    title,
    body: `<h1>${esc(title)}</h1>\n<p>${esc(text)}</p>\n<p>${a(ctx.links.home(), WEB.backHome)}</p>`,
    links: ctx.links,
    stylesheet: ctx.stylesheet,
  });
}
