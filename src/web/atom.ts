/**
 * Atom 1.0 (RFC 4287) feeds of cards: one entry per paper, its id the arXiv abstract URL (so a
 * reader that saw the paper in two feeds knows it), its content the card as escaped HTML.
 * Every text node and attribute is escaped for XML; characters XML 1.0 forbids are dropped.
 */

import { CARD } from "../core/texts/digest.ts";
import { WEB } from "../core/texts/web.ts";
import type { WebLinks } from "../core/web-links.ts";
import { absUrl } from "../store/paper.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import type { ArchiveEntry } from "./archive.ts";
import { cardArticle, stripControls } from "./html.ts";

/** Escapes text for XML content and attributes, dropping what XML forbids. */
export function xml(text: string): string {
  return stripControls(text).replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;",
  );
}

export interface FeedOptions {
  /** the feed's own absolute URL (its id and rel=self) */
  self: string;
  /** the page the feed mirrors */
  alternate: string;
  title: string;
  subtitle: string;
  entries: ArchiveEntry[];
  links: WebLinks;
  taxonomy: Taxonomy;
}

/** An announcement day as an Atom timestamp (arXiv announces at 00:00 UTC of that day). */
function dayStamp(date: string): string {
  return `${date}T00:00:00Z`;
}

export function atomFeed(opts: FeedOptions): string {
  const updated = opts.entries.reduce((max, e) => (e.date > max ? e.date : max), "1970-01-01");
  const entries = opts.entries.map((e) => {
    const { card } = e;
    const categories = card.topics
      .flatMap((id) => {
        const topic = opts.taxonomy.topics.find((t) => t.id === id);
        return topic ? [`<category term="${xml(topic.id)}" label="${xml(topic.name)}"/>`] : [];
      })
      .join("");
    const summary = card.fallback ? `${CARD.pending}${card.tldr}` : card.tldr;
    const html = cardArticle(card, opts.taxonomy, opts.links, { heading: "h3", linkTitle: true });
    return `<entry>
<id>${xml(absUrl(card.paper_id))}</id>
<title type="text">${xml(card.title_zh)}</title>
<link rel="alternate" type="text/html" href="${xml(opts.links.paper(card.paper_id))}"/>
<updated>${dayStamp(e.date)}</updated>
<author><name>${xml(card.authors || "arXiv")}</name></author>
${categories}<summary type="text">${xml(summary)}</summary>
<content type="html">${xml(html)}</content>
</entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
<id>${xml(opts.self)}</id>
<title type="text">${xml(opts.title)}</title>
<subtitle type="text">${xml(opts.subtitle)}</subtitle>
<link rel="self" type="application/atom+xml" href="${xml(opts.self)}"/>
<link rel="alternate" type="text/html" href="${xml(opts.alternate)}"/>
<updated>${dayStamp(updated)}</updated>
<author><name>${xml(WEB.siteName)}</name></author>
<generator>sudi</generator>
${entries.join("\n")}
</feed>
`;
}
