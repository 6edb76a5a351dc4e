/**
 * The parts of a card that code derives from metadata, never from the LLM: links built from
 * the id, the code link the ingest found, authors, affiliations (only when arXiv has them)
 * and the venue (only when the comment or journal reference names one).
 */

import type { CardParts } from "../store/card.ts";
import { absUrl, type Paper, pdfUrl } from "../store/paper.ts";

const SHOWN_AUTHORS = 3;
const MAX_AFFILIATIONS = 3;

/** "A, B, C 等" for more than three authors, else every name. */
export function authorLine(paper: Paper): string {
  const names = paper.authors.map((a) => a.name);
  const shown = names.slice(0, SHOWN_AUTHORS).join(", ");
  return names.length > SHOWN_AUTHORS ? `${shown} 等` : shown;
}

/** Distinct affiliations of the shown authors, in order; empty when arXiv lists none. */
export function affiliations(paper: Paper): string[] {
  const seen = new Set<string>();
  for (const a of paper.authors.slice(0, SHOWN_AUTHORS)) {
    for (const aff of a.affiliations) {
      const clean = aff.replace(/\s+/g, " ").trim();
      if (clean) seen.add(clean);
    }
  }
  return [...seen].slice(0, MAX_AFFILIATIONS);
}

const VENUE =
  /\b(?:accepted|to appear|published)\b(?:\s+as\s+[^,.;:()]*?)?\s+(?:to|at|by|in|for)\s+(?:the\s+)?([^.;:,()[\]\n]{2,80})/i;

/**
 * The venue named by "Accepted to/at/by ...", "to appear in ..." or "published in ..." in the
 * comment; otherwise a short journal reference; otherwise null.
 */
export function venueOf(paper: Pick<Paper, "comment" | "journalRef">): string | null {
  const m = paper.comment ? VENUE.exec(paper.comment) : null;
  const venue = m?.[1]
    ?.replace(/^publication\s+(?:in|at|by)\s+(?:the\s+)?/i, "")
    .replace(/\s+(?:as|with|and)\s.*$/i, "")
    .replace(/\s+/g, " ")
    .trim();
  if (venue && /[A-Za-z]/.test(venue)) return venue;
  const ref = paper.journalRef?.replace(/\s+/g, " ").trim();
  return ref && ref.length <= 80 ? ref : null;
}

/** Only http(s) links leave this function; anything else becomes null. */
export function safeHttpUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

/** Everything on a card that does not come from the LLM. */
export function cardParts(paper: Paper): CardParts {
  return {
    paper_id: paper.id,
    version: paper.version,
    title_en: paper.title,
    authors: authorLine(paper),
    affiliations: affiliations(paper),
    venue: venueOf(paper),
    links: { abs: absUrl(paper.id), pdf: pdfUrl(paper.id), code: safeHttpUrl(paper.codeUrl) },
  };
}
