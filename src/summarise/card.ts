/**
 * What the LLM is asked to write, as JSON: the schema sent as strict structured output, built
 * from a card kind's section table (src/core/card-sections.ts). The stored Card, which adds what
 * code derives from metadata, is src/store/card.ts.
 */
import { type SectionTable, SHORT_CARD, sectionsOf } from "../core/card-sections.ts";

/**
 * The JSON schema sent as strict structured output, from a table: every field listed and
 * required (strict mode wants that; optional ones may be empty), topics restricted to the
 * taxonomy's ids. No length keywords (OpenAI's strict mode refuses them); code cuts lengths.
 */
export function responseSchemaOf(
  table: SectionTable,
  topicIds: readonly string[],
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, s] of sectionsOf(table)) {
    if (s.kind === "text") properties[name] = { type: "string" };
    else if (s.kind === "list") {
      properties[name] = { type: "array", items: { type: "string" }, maxItems: s.maxItems };
    } else if (s.kind === "topics") {
      properties[name] = {
        type: "array",
        items: { type: "string", enum: [...topicIds] },
        minItems: 1,
        maxItems: s.maxItems,
      };
    } else properties[name] = { type: "integer", minimum: 1, maximum: 5 };
  }
  return {
    type: "object",
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

/** The short card's JSON schema. */
export function cardResponseSchema(topicIds: readonly string[]): Record<string, unknown> {
  return responseSchemaOf(SHORT_CARD, topicIds);
}
