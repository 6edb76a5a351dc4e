/**
 * The Card: a paper's Chinese summary. `LlmCardSchema` is what the LLM must write (validated
 * with zod; field names are part of the `--format json` contract); `Card` adds what code
 * derives from metadata, which the LLM never touches.
 *
 * `CardSchema` validates stored cards, so its text fields carry no length limits: a fallback
 * card (built without the LLM) keeps the English title in `title_zh`, the first sentences of
 * the abstract in `tldr`, empty `motivation`/`method`/`results`/`score_reason`, no keywords,
 * and `score: null`. Renderers show stars only for a number and skip empty fields.
 */
import { z } from "zod";

/** Length limits the prompt asks for, with some slack (characters, not tokens). */
export const LlmCardSchema = z.object({
  title_zh: z.string().trim().min(2).max(80),
  tldr: z.string().trim().min(4).max(120),
  motivation: z.string().trim().min(2).max(160),
  method: z.string().trim().min(2).max(200),
  results: z.string().trim().min(2).max(200),
  topics: z.array(z.string()).min(1).max(3),
  keywords: z.array(z.string().trim().min(1).max(40)).max(5),
  score: z.number().int().min(1).max(5),
  score_reason: z.string().trim().min(2).max(80),
});
export type LlmCard = z.infer<typeof LlmCardSchema>;

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

/**
 * The JSON schema sent as strict structured output: LlmCardSchema with topics restricted to
 * the taxonomy's ids. String length keywords are left out (OpenAI's strict mode refuses
 * them); zod checks lengths on the answer anyway.
 */
export function cardResponseSchema(topicIds: readonly string[]): Record<string, unknown> {
  const schema = z.toJSONSchema(LlmCardSchema, { target: "draft-7" }) as Record<string, unknown>;
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$schema" || k === "minLength" || k === "maxLength") continue;
      out[k] = strip(v);
    }
    return out;
  };
  const wire = strip(schema) as { properties: { topics: { items: Record<string, unknown> } } };
  wire.properties.topics.items = { type: "string", enum: [...topicIds] };
  return wire as unknown as Record<string, unknown>;
}
