/**
 * The topic taxonomy (data/topics.json): what users subscribe to and how digests are grouped.
 * Loaded once and validated with zod; ids are stable, since subscriptions store them.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The ten chapters of the Chinese monthly report, in digest order. */
export const CHAPTERS = [
  "文生图",
  "文/图生视频",
  "文生音频",
  "文/图生3D",
  "智能体(Agent)",
  "对齐(Alignment)",
  "安全治理",
  "大模型/AI4Science",
  "评测",
  "其他",
] as const;
export const ChapterSchema = z.enum(CHAPTERS);
export type Chapter = z.infer<typeof ChapterSchema>;

export const TopicSchema = z.object({
  /** stable, lower-case ascii, e.g. "text-to-video" */
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** Chinese name, e.g. "文生视频" */
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)),
  categories: z.array(z.string()),
  /** English keyword phrases matched on title and abstract, word-bounded, case-insensitive */
  keywords: z.array(z.string().min(2)),
  description: z.string(),
  chapter: ChapterSchema,
  /**
   * How much this topic's keyword hits count when ranking a paper's topics (default 1): above
   * 1 for the generation topics an editor files a paper under first (a DPO paper on
   * text-to-audio belongs in 文生音频), below 1 for broad topics most papers touch (大模型).
   */
  weight: z.number().positive().optional(),
  /**
   * A broad topic most papers touch (大模型, 多模态大模型): it ranks after every specific topic
   * that matches a paper, so a paper's first topic is its most specific one.
   */
  generic: z.boolean().optional(),
});
export type Topic = z.infer<typeof TopicSchema>;

export const TaxonomySchema = z
  .object({ version: z.number().int(), topics: z.array(TopicSchema).min(1) })
  .refine((t) => new Set(t.topics.map((x) => x.id)).size === t.topics.length, {
    error: "topic ids must be unique",
  });
export type Taxonomy = z.infer<typeof TaxonomySchema>;

const DEFAULT_PATH = join(dirname(fileURLToPath(import.meta.url)), "../../data/topics.json");

let cached: Taxonomy | undefined;

/** The bundled taxonomy (cached), or the one at `path`. */
export function loadTaxonomy(path?: string): Taxonomy {
  if (!path && cached) return cached;
  const taxonomy = TaxonomySchema.parse(JSON.parse(readFileSync(path ?? DEFAULT_PATH, "utf8")));
  if (!path) cached = taxonomy;
  return taxonomy;
}

export function topicById(taxonomy: Taxonomy, id: string): Topic | undefined {
  return taxonomy.topics.find((t) => t.id === id);
}

/** The catch-all topic: what a paper gets when no rule matches it. */
export const OTHER_TOPIC_ID = "other";

/** The taxonomy's topics grouped by chapter, in digest order; chapters without topics are left out. */
export function topicsByChapter(taxonomy: Taxonomy): { chapter: Chapter; topics: Topic[] }[] {
  return CHAPTERS.map((chapter) => ({
    chapter,
    topics: taxonomy.topics.filter((t) => t.chapter === chapter),
  })).filter((group) => group.topics.length > 0);
}
