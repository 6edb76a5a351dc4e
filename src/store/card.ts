/**
 * The Card: a paper's Chinese summary as stored. Its LLM-written fields come from the section
 * table (src/core/card-sections.ts: field names are part of the `--format json` contract); it
 * adds what code derives from metadata, which the LLM never touches, and what was repaired.
 *
 * `CardSchema` validates stored cards, so its text fields carry no length limits and every
 * section has a default: a fallback card (built without the LLM) keeps the English title in
 * `title_zh`, the first sentences of the abstract in `tldr`, empty sections elsewhere, and
 * `score: null`; a card stored before a section was added still parses. Renderers show stars
 * only for a number and skip empty fields.
 */
import { z } from "zod";
import {
  type SectionValues,
  SHORT_CARD,
  searchTextOf,
  storedShape,
} from "../core/card-sections.ts";

export const CardSchema = z.object({
  ...storedShape(SHORT_CARD),
  paper_id: z.string(),
  version: z.number().int().positive(),
  title_en: z.string(),
  /** "A, B, C 等" */
  authors: z.string(),
  affiliations: z.array(z.string()),
  venue: z.string().nullable(),
  links: z.object({ abs: z.string(), pdf: z.string(), code: z.string().nullable() }),
  /** true when built without the LLM; such a card is replaced once the LLM is available */
  fallback: z.boolean(),
  prompt_version: z.string(),
  model: z.string(),
  /** what code changed in the model's answer ("score_reason: default", "tldr: cut to 120");
   * absent on cards stored before repairs were recorded */
  repairs: z.array(z.string()).optional(),
  /** true when links, mentions or invisible characters were taken out of the answer */
  cleaned: z.boolean().optional(),
});
export type Card = z.infer<typeof CardSchema>;

/** The fields the LLM writes, as the short card's table declares them. */
export type LlmCard = SectionValues<typeof SHORT_CARD>;

/** The fields code derives from metadata, never from the LLM. */
export type CardParts = Pick<
  Card,
  "paper_id" | "version" | "title_en" | "authors" | "affiliations" | "venue" | "links"
>;

/** The Chinese text of a card: what the full-text index stores and what Chinese keyword subscriptions match. */
export function cardSearchText(card: Card): string {
  return searchTextOf(SHORT_CARD, card);
}
