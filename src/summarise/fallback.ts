/**
 * The fallback card: what a paper gets when there is no LLM key, the daily budget is spent or
 * the LLM keeps failing, so a digest is never blocked. Built from metadata alone (English
 * title, the first sentences of the abstract, rule-based topics), marked `fallback: true`,
 * `score: null`, and replaced by a real card once the LLM is available again.
 */

import {
  type SectionTable,
  type SectionValues,
  SHORT_CARD,
  sectionsOf,
} from "../core/card-sections.ts";
import type { Card } from "../store/card.ts";
import type { Paper } from "../store/paper.ts";
import { matchTopics } from "../topics/match.ts";
import { cardParts } from "./parts.ts";

/** Fallback cards are stored under this prompt version and model. */
export const FALLBACK_PROMPT_VERSION = "fallback-v1";
export const FALLBACK_MODEL = "fallback";

const TLDR_MAX = 300;

/** The first sentence of an abstract, or the first two when the first is short. */
export function leadSentences(abstract: string, max = TLDR_MAX): string {
  const text = abstract.replace(/\s+/g, " ").trim();
  // A sentence ends at . ! ? followed by a capital or digit; "e.g." and "et al." do not end one.
  const sentences = text.split(
    /(?<!\b(?:e\.g|i\.e|et al|vs|Fig|Eq|cf)\.)(?<=[.!?])\s+(?=[A-Z0-9])/,
  );
  let lead = sentences[0] ?? "";
  if (lead.length < 100 && sentences[1]) lead = `${lead} ${sentences[1]}`;
  if (lead.length <= max) return lead;
  const cut = lead.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** Up to three rule-based topic ids, best first. */
export function ruleTopics(paper: Paper): string[] {
  return matchTopics(paper)
    .slice(0, 3)
    .map((m) => m.topic.id);
}

/** Abstract text without URLs or tags: a fallback card shows only links code built itself. */
export function plainText(text: string): string {
  return text
    .replace(/\b(?:https?|ftp):\/\/\S+|\bwww\.\S+/gi, "")
    .replace(/<\/?[a-z][^<>]*>/gi, "")
    .replace(/\s+([,.;:])/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** A table's fields filled from metadata, as each section's `fallback` source says. */
export function fallbackFields<T extends SectionTable>(
  table: T,
  paper: Paper,
  topics: string[],
): SectionValues<T> {
  const fields: Record<string, unknown> = {};
  for (const [name, s] of sectionsOf(table)) {
    if (s.kind === "text") {
      fields[name] =
        s.fallback === "title"
          ? paper.title
          : s.fallback === "lead"
            ? leadSentences(plainText(paper.abstract))
            : "";
    } else if (s.kind === "topics") fields[name] = topics.slice(0, s.maxItems);
    else if (s.kind === "list") fields[name] = [];
    else fields[name] = null;
  }
  return fields as SectionValues<T>;
}

/** A card built without the LLM. `topics` defaults to the rule-based match. */
export function fallbackCard(paper: Paper, topics: string[] = ruleTopics(paper)): Card {
  return {
    ...fallbackFields(SHORT_CARD, paper, topics),
    ...cardParts(paper),
    fallback: true,
    prompt_version: FALLBACK_PROMPT_VERSION,
    model: FALLBACK_MODEL,
  };
}
