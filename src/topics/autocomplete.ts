/**
 * Topic suggestions while a user types (Discord's autocomplete, at most 25 choices). Matches
 * the Chinese name, the aliases (Chinese and English) and the id, folded as src/topics folds
 * names (case, width, spaces, hyphens, traditional characters), so "T2V", "Text to video",
 * "文生視頻" and "文生" all find 文生视频. The value is the Chinese
 * name, which /subscribe resolves like anything a user types.
 */
import { nameKey, normalise } from "./normalise.ts";
import type { Taxonomy, Topic } from "./taxonomy.ts";

export interface TopicChoice {
  /** what the user sees, ≤ 100 characters */
  name: string;
  /** what the command receives, ≤ 100 characters */
  value: string;
}

export const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/**
 * Lower is better: exact, prefix, word prefix, substring, each with the Chinese name ahead of
 * the id and aliases; undefined when nothing matches.
 */
function rank(topic: Topic, query: string): number | undefined {
  let best: number | undefined;
  for (const [index, candidate] of [topic.name, topic.id, ...topic.aliases].entries()) {
    const folded = nameKey(candidate);
    let r: number | undefined;
    if (folded === query) r = 0;
    else if (folded.startsWith(query)) r = 1;
    else if (
      normalise(candidate)
        .split(/[\s\-_/]+/)
        .some((w) => nameKey(w).startsWith(query))
    )
      r = 2;
    else if (folded.includes(query)) r = 3;
    if (r !== undefined) r = r * 2 + (index === 0 ? 0 : 1);
    if (r !== undefined && (best === undefined || r < best)) best = r;
  }
  return best;
}

const ascii = (text: string) => /^[\x20-\x7e]+$/.test(text);

/** The English name shown next to the Chinese one: the alias spelling the id, or any English. */
function englishName(topic: Topic): string | undefined {
  const id = nameKey(topic.id);
  return (
    topic.aliases.find((a) => ascii(a) && nameKey(a) === id) ??
    topic.aliases.find(ascii) ??
    (topic.id.length > 3 ? topic.id : undefined)
  );
}

function choiceOf(topic: Topic): TopicChoice {
  const english = englishName(topic);
  const name = english ? `${topic.name}（${english}）` : topic.name;
  return {
    name: Array.from(name).slice(0, MAX_CHOICE_LENGTH).join(""),
    value: Array.from(topic.name).slice(0, MAX_CHOICE_LENGTH).join(""),
  };
}

/**
 * Up to 25 topics matching `query`, best first (exact, then prefix, then substring; ties in
 * taxonomy order). An empty query lists the first 25 topics in taxonomy order.
 */
export function autocompleteTopics(query: string, taxonomy: Taxonomy): TopicChoice[] {
  const q = nameKey(query);
  const ranked = taxonomy.topics
    .map((topic, order) => ({ topic, order, rank: q ? rank(topic, q) : 0 }))
    .filter((x): x is { topic: Topic; order: number; rank: number } => x.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || a.order - b.order);
  return ranked.slice(0, MAX_CHOICES).map((x) => choiceOf(x.topic));
}
