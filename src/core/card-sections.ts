/**
 * A card as one table of sections. Each card kind (the short 论文速递 card today; a deep-read
 * card can be a second table) declares its fields once: name, Chinese label and emoji (from
 * src/core/texts/card.ts), length limit, whether the model must write it, and where it shows.
 * From that one declaration come the prompt's field list, the JSON schema sent to the model,
 * the checks on its answer, the stored schema, the fallback card, the search text and the
 * rendering. Adding a field is one row here and one entry of Chinese words.
 *
 * This file sits on the bottom floor because the store validates stored cards with it and
 * renderers read it; the rules that need a paper or the taxonomy live in src/summarise.
 */
import { z } from "zod";
import { type SectionText, SHORT_CARD_TEXT } from "./texts/card.ts";
import { DEEP_CARD_TEXT } from "./texts/deep.ts";

/** Where a section shows: brief and full digests, the /paper reply, the search index. */
export type Place = "brief" | "full" | "paper" | "search";

/**
 * Must the model write it? `always`: the answer is repaired or refused without it; `one-of`:
 * at least one section of the group is needed; `optional`: a default stands in.
 */
export type Need = "always" | "one-of" | "optional";

/** Where a fallback card (built without the LLM) takes the section from. */
export type FallbackSource = "title" | "lead" | "none";

/**
 * How a section is laid out on a card: `heading` is the card's title line, `tags` goes into
 * the tag line with the topics and stars, `line` (the default) is a line of its own,
 * `label：text`.
 */
export type Layout = "heading" | "tags" | "line";

interface SectionBase {
  text: SectionText;
  need: Need;
  shows: readonly Place[];
  /** default "line" */
  layout?: Layout;
  /** other names providers answer with (`summary` for `tldr`), read as this one */
  aliases?: readonly string[];
}

/** Chinese prose, cut at a sentence end past `max` characters. */
export interface TextSection extends SectionBase {
  kind: "text";
  max: number;
  /** must be mostly Chinese (English terms allowed) */
  chinese: boolean;
  fallback: FallbackSource;
}

/** A list of short strings (keywords). */
export interface ListSection extends SectionBase {
  kind: "list";
  max: number;
  maxItems: number;
}

/** Topic ids of the taxonomy, best first. */
export interface TopicsSection extends SectionBase {
  kind: "topics";
  maxItems: number;
}

/** 推荐指数 1..5, or null when nobody rated the paper. */
export interface ScoreSection extends SectionBase {
  kind: "score";
}

export type Section = TextSection | ListSection | TopicsSection | ScoreSection;
export type SectionTable = Readonly<Record<string, Section>>;

const ALL: readonly Place[] = ["brief", "full", "paper", "search"];
const BODY: readonly Place[] = ["full", "paper", "search"];

/**
 * The 论文速递 card. Key order is the prompt's and the card's order; `title_zh` is the card's
 * heading, `tldr` (the first line section shown in brief digests) its brief line, and topics,
 * keywords and the score share the tag line.
 */
export const SHORT_CARD = {
  title_zh: {
    kind: "text",
    text: SHORT_CARD_TEXT.title_zh,
    max: 80,
    chinese: true,
    need: "always",
    shows: ALL,
    layout: "heading",
    fallback: "title",
    aliases: ["title", "chinese_title", "title_cn"],
  },
  tldr: {
    kind: "text",
    text: SHORT_CARD_TEXT.tldr,
    max: 120,
    chinese: true,
    need: "always",
    shows: ALL,
    fallback: "lead",
    aliases: ["summary", "one_sentence", "tl_dr"],
  },
  motivation: {
    kind: "text",
    text: SHORT_CARD_TEXT.motivation,
    max: 160,
    chinese: true,
    need: "one-of",
    shows: BODY,
    fallback: "none",
    aliases: ["problem", "background"],
  },
  method: {
    kind: "text",
    text: SHORT_CARD_TEXT.method,
    max: 200,
    chinese: true,
    need: "one-of",
    shows: BODY,
    fallback: "none",
    aliases: ["approach", "methods"],
  },
  results: {
    kind: "text",
    text: SHORT_CARD_TEXT.results,
    max: 200,
    chinese: true,
    need: "one-of",
    shows: BODY,
    fallback: "none",
    aliases: ["result", "effect", "experiments"],
  },
  topics: {
    kind: "topics",
    text: SHORT_CARD_TEXT.topics,
    maxItems: 3,
    need: "optional",
    shows: ALL,
  },
  keywords: {
    kind: "list",
    text: SHORT_CARD_TEXT.keywords,
    max: 40,
    maxItems: 5,
    need: "optional",
    shows: BODY,
    layout: "tags",
    aliases: ["tags"],
  },
  score: {
    kind: "score",
    text: SHORT_CARD_TEXT.score,
    need: "optional",
    shows: BODY,
    layout: "tags",
  },
  score_reason: {
    kind: "text",
    text: SHORT_CARD_TEXT.score_reason,
    max: 80,
    chinese: true,
    need: "optional",
    shows: [],
    fallback: "none",
    aliases: ["reason"],
  },
} as const satisfies SectionTable;

/** A deep-read prose section: shown on the deep card only. */
const deepProse = (text: SectionText, max: number) =>
  ({
    kind: "text",
    text,
    max,
    chinese: true,
    need: "one-of",
    shows: ["paper"],
    fallback: "none",
  }) as const;

/**
 * The deep-read card (深读), written from a paper's full text: the seed's sections in its order.
 * Limits keep a full card within one Telegram message (4096) and one Discord embed (6000).
 * 单位 is not asked of the model: it comes from the full text's title block and arXiv's
 * metadata (src/summarise/deep.ts), so it is never invented.
 */
export const DEEP_CARD = {
  summary: { ...deepProse(DEEP_CARD_TEXT.summary, 250), need: "always", fallback: "lead" },
  background: deepProse(DEEP_CARD_TEXT.background, 250),
  challenges: deepProse(DEEP_CARD_TEXT.challenges, 250),
  solution: deepProse(DEEP_CARD_TEXT.solution, 320),
  innovations: deepProse(DEEP_CARD_TEXT.innovations, 250),
  architecture: deepProse(DEEP_CARD_TEXT.architecture, 320),
  experiments: deepProse(DEEP_CARD_TEXT.experiments, 320),
  key_results: {
    kind: "list",
    text: DEEP_CARD_TEXT.key_results,
    max: 80,
    maxItems: 5,
    need: "optional",
    shows: ["paper"],
    aliases: ["key_data", "important_results", "conclusions"],
  },
  reading_score: {
    kind: "score",
    text: DEEP_CARD_TEXT.reading_score,
    need: "optional",
    shows: ["paper"],
    layout: "tags",
    aliases: ["score", "recommendation"],
  },
  reading_reason: {
    kind: "text",
    text: DEEP_CARD_TEXT.reading_reason,
    max: 60,
    chinese: true,
    need: "optional",
    shows: ["paper"],
    layout: "tags",
    fallback: "none",
    aliases: ["score_reason", "reason"],
  },
} as const satisfies SectionTable;

/** The stored zod type of one section: every field has a default, so an older card still
 * parses after a field is added. */
type StoredField<S extends Section> = S extends TextSection
  ? z.ZodDefault<z.ZodString>
  : S extends ListSection | TopicsSection
    ? z.ZodDefault<z.ZodArray<z.ZodString>>
    : z.ZodDefault<z.ZodNullable<z.ZodNumber>>;

export type StoredShape<T extends SectionTable> = { [K in keyof T]: StoredField<T[K]> };

/** The zod shape of a table's fields as stored (no length limits: fallback text is longer). */
export function storedShape<T extends SectionTable>(table: T): StoredShape<T> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, s] of Object.entries(table)) {
    if (s.kind === "text") shape[name] = z.string().default("");
    else if (s.kind === "score")
      shape[name] = z.number().int().min(1).max(5).nullable().default(null);
    else shape[name] = z.array(z.string()).max(s.maxItems).default([]);
  }
  return shape as StoredShape<T>;
}

/** The plain values of a table's fields, as a stored card holds them. */
export type SectionValues<T extends SectionTable> = z.output<z.ZodObject<StoredShape<T>>>;

/** A table's sections with their names, in order. */
export function sectionsOf<T extends SectionTable>(table: T): [name: string, section: Section][] {
  return Object.entries(table);
}

/** A section's layout, "line" unless it says otherwise. */
export function layoutOf(section: Section): Layout {
  return section.layout ?? "line";
}

/** The text a section holds on a card, as one string ("" when empty). */
export function sectionText(section: Section, value: unknown): string {
  if (section.kind === "text") return typeof value === "string" ? value.trim() : "";
  if (section.kind === "list" && Array.isArray(value)) return value.join(" ");
  return "";
}

/** The card's words for the full-text index: every section that shows in `search`. */
export function searchTextOf(table: SectionTable, card: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [name, s] of sectionsOf(table)) {
    if (!s.shows.includes("search")) continue;
    const value = card[name];
    if (s.kind === "list" && Array.isArray(value)) parts.push(...value.map(String));
    else parts.push(sectionText(s, value));
  }
  return parts.filter((p) => p.length > 0).join("\n");
}
