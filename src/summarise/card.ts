/**
 * What the LLM must write: `LlmCardSchema` (validated with zod; field names are part of the
 * `--format json` contract). The stored Card, which adds what code derives from metadata, is
 * src/store/card.ts.
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
