/**
 * The Card: a paper's Chinese summary as stored. It holds what the LLM wrote (see
 * src/summarise/card.ts) plus what code derives from metadata, which the LLM never touches.
 *
 * `CardSchema` validates stored cards, so its text fields carry no length limits: a fallback
 * card (built without the LLM) keeps the English title in `title_zh`, the first sentences of
 * the abstract in `tldr`, empty `motivation`/`method`/`results`/`score_reason`, no keywords,
 * and `score: null`. Renderers show stars only for a number and skip empty fields.
 */
import { z } from "zod";

export const CardSchema = z.object({
  title_zh: z.string(),
  tldr: z.string(),
  motivation: z.string(),
  method: z.string(),
  results: z.string(),
  /** topic ids of data/topics.json, best first */
  topics: z.array(z.string()).max(3),
  keywords: z.array(z.string()).max(5),
  /** 推荐指数 1..5; null on fallback cards (nobody rated the paper) */
  score: z.number().int().min(1).max(5).nullable(),
  score_reason: z.string(),
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
});
export type Card = z.infer<typeof CardSchema>;

/** The fields code derives from metadata, never from the LLM. */
export type CardParts = Pick<
  Card,
  "paper_id" | "version" | "title_en" | "authors" | "affiliations" | "venue" | "links"
>;

/** The Chinese text of a card, as written into the full-text index. */
export function cardSearchText(card: Card): string {
  return [card.title_zh, card.tldr, card.motivation, card.method, card.results, ...card.keywords]
    .filter((s) => s.length > 0)
    .join("\n");
}
