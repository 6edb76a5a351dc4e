/**
 * The Card: a paper's Chinese summary. `LlmCardSchema` is what the LLM must write (validated
 * with zod; field names are part of the `--format json` contract); `Card` adds what code
 * derives from metadata, which the LLM never touches.
 */
import { z } from "zod";

export const LlmCardSchema = z.object({
  title_zh: z.string().min(2).max(80),
  tldr: z.string().min(4).max(120),
  motivation: z.string().min(2).max(200),
  method: z.string().min(2).max(240),
  results: z.string().min(2).max(240),
  topics: z.array(z.string()).min(1).max(3),
  keywords: z.array(z.string().min(1).max(40)).max(5),
  score: z.number().int().min(1).max(5),
  score_reason: z.string().min(2).max(120),
});
export type LlmCard = z.infer<typeof LlmCardSchema>;

export const CardSchema = LlmCardSchema.extend({
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
