/**
 * Rule-based topics of a paper: keyword phrases on the title and abstract plus arXiv categories
 * as weak evidence, so matching works without an LLM. The regexes are compiled once per
 * taxonomy; a paper costs two regex scans, whatever the number of topics.
 */

import { inCategory } from "../core/categories.ts";
import type { Paper } from "../store/paper.ts";
import {
  matchedKeyCandidates,
  phraseKey,
  phrasesRegExp,
  phraseWords,
  searchableText,
} from "./phrase.ts";
import {
  type Chapter,
  loadTaxonomy,
  OTHER_TOPIC_ID,
  type Taxonomy,
  type Topic,
  topicById,
} from "./taxonomy.ts";

/** One topic of a paper: the score that ranks it and the keywords/categories that gave it. */
export interface TopicMatch {
  topic: Topic;
  score: number;
  /** the keyword phrases (as written in the taxonomy) and categories that matched */
  hits: string[];
}

export type MatchablePaper = Pick<Paper, "title" | "abstract" | "categories" | "primaryCategory">;

/** A title says what a paper is about; the abstract also mentions what it compares against. */
const TITLE_HIT = 3;
const ABSTRACT_HIT = 1;
/** Repeating a phrase in the abstract adds a little, up to a few repetitions. */
const ABSTRACT_REPEAT = 0.25;
const MAX_REPEATS = 3;
/**
 * Categories are weak evidence, never enough alone: the best of a topic's categories counts
 * like one abstract hit when it is the paper's primary category, half that when cross-listed.
 */
const PRIMARY_CATEGORY = 1;
const CROSS_CATEGORY = 0.5;
/**
 * Below this much evidence (before weights) a topic is noise, not a match: one passing mention
 * of "benchmark" or "audio" in an abstract does not make a paper about it. A title hit, two
 * abstract phrases, or one plus the topic's primary category clear it.
 */
const MIN_EVIDENCE = 1.5;

interface Keyword {
  phrase: string;
  topic: Topic;
}

interface CompiledTaxonomy {
  regex: RegExp;
  byKey: Map<string, Keyword>;
  other: Topic | undefined;
  /** taxonomy order, which breaks ties */
  order: Map<Topic, number>;
}

const compiled = new WeakMap<Taxonomy, CompiledTaxonomy>();

function compile(taxonomy: Taxonomy): CompiledTaxonomy {
  const cached = compiled.get(taxonomy);
  if (cached) return cached;
  const byKey = new Map<string, Keyword>();
  for (const topic of taxonomy.topics) {
    for (const phrase of topic.keywords) {
      const key = phraseKey(phrase);
      if (!byKey.has(key)) byKey.set(key, { phrase, topic });
    }
  }
  const phrases = taxonomy.topics.flatMap((t) => t.keywords);
  const result: CompiledTaxonomy = {
    // An alternation of nothing would match the empty string everywhere; never match instead.
    regex: phrases.length > 0 ? phrasesRegExp(phrases) : /(?!)/gu,
    byKey,
    other: topicById(taxonomy, OTHER_TOPIC_ID),
    order: new Map(taxonomy.topics.map((t, i) => [t, i])),
  };
  compiled.set(taxonomy, result);
  return result;
}

function lookup(byKey: Map<string, Keyword>, matched: string): Keyword | undefined {
  for (const key of matchedKeyCandidates(matched)) {
    const keyword = byKey.get(key);
    if (keyword) return keyword;
  }
  return undefined;
}

/**
 * Counts, per keyword, how often it occurs in the text. An exec() loop on the compiled regex,
 * not matchAll(): matchAll clones the regex on every call, and for the taxonomy's one large
 * regex that clone cost more than the scan itself (a 月报 scans 40,000 titles and abstracts).
 */
function scan(c: CompiledTaxonomy, text: string): Map<Keyword, number> {
  const counts = new Map<Keyword, number>();
  const folded = searchableText(text);
  const regex = c.regex;
  regex.lastIndex = 0;
  for (let m = regex.exec(folded); m !== null; m = regex.exec(folded)) {
    // never the case for a taxonomy phrase; kept so an empty match cannot loop forever
    if (m[0] === "") regex.lastIndex += (folded.codePointAt(m.index) ?? 0) > 0xffff ? 2 : 1;
    const keyword = lookup(c.byKey, m[0]);
    if (keyword) counts.set(keyword, (counts.get(keyword) ?? 0) + 1);
  }
  return counts;
}

interface Tally {
  /** from keyword phrases, before the topic's weight */
  keywords: number;
  categories: number;
  hits: string[];
}

/**
 * The topics of a paper, best first. A topic scores for each distinct keyword in the title
 * (more) and in the abstract (less), scaled by its weight, plus a little for its categories;
 * the weight ranks topics but does not decide whether one matched.
 * Generic topics (大模型, 多模态大模型) come after every specific topic that matched, so the
 * first topic is the most specific one. The catch-all 其他 is returned only when nothing else
 * matched.
 */
export function matchTopics(
  paper: MatchablePaper,
  taxonomy: Taxonomy = loadTaxonomy(),
): TopicMatch[] {
  const c = compile(taxonomy);
  const tallies = new Map<Topic, Tally>();
  const tally = (topic: Topic): Tally => {
    let t = tallies.get(topic);
    if (!t) {
      t = { keywords: 0, categories: 0, hits: [] };
      tallies.set(topic, t);
    }
    return t;
  };

  for (const keyword of scan(c, paper.title).keys()) {
    const t = tally(keyword.topic);
    t.keywords += TITLE_HIT;
    t.hits.push(keyword.phrase);
  }
  for (const [keyword, count] of scan(c, paper.abstract)) {
    const t = tally(keyword.topic);
    const repeats = Math.min(count - 1, MAX_REPEATS);
    t.keywords += ABSTRACT_HIT + ABSTRACT_REPEAT * repeats;
    if (!t.hits.includes(keyword.phrase)) t.hits.push(keyword.phrase);
  }
  for (const topic of taxonomy.topics) {
    let best = 0;
    for (const category of topic.categories) {
      const primary = inCategory([paper.primaryCategory], category);
      if (!primary && !inCategory(paper.categories, category)) continue;
      best = Math.max(best, primary ? PRIMARY_CATEGORY : CROSS_CATEGORY);
      tally(topic).hits.push(category);
    }
    if (best > 0) tally(topic).categories = best;
  }

  const matches = [...tallies]
    .filter(
      ([topic, t]) => topic.id !== OTHER_TOPIC_ID && t.keywords + t.categories >= MIN_EVIDENCE,
    )
    .map(([topic, t]) => {
      const score = t.keywords * (topic.weight ?? 1) + t.categories;
      return { topic, score: Math.round(score * 100) / 100, hits: t.hits };
    })
    .sort(
      (a, b) =>
        Number(a.topic.generic ?? false) - Number(b.topic.generic ?? false) ||
        b.score - a.score ||
        (c.order.get(a.topic) ?? 0) - (c.order.get(b.topic) ?? 0),
    );
  if (matches.length === 0 && c.other) return [{ topic: c.other, score: 0, hits: [] }];
  return matches;
}

/**
 * Topic ids (an LLM's, best first) with the generic ones moved after the specific ones, order
 * otherwise kept: the same check the rules apply to themselves. Unknown ids keep their place.
 */
export function specificFirst(
  ids: readonly string[],
  taxonomy: Taxonomy = loadTaxonomy(),
): string[] {
  const generic = (id: string) => topicById(taxonomy, id)?.generic === true;
  return [...ids.filter((id) => !generic(id)), ...ids.filter(generic)];
}

const keywordRegexes = new Map<string, RegExp>();
const MAX_CACHED_KEYWORDS = 1000;

/**
 * Whether a paper's title or abstract contains a keyword phrase (a `/subscribe diffusion model`
 * subscription): word-bounded, case-insensitive, hyphens and spaces alike, plural allowed.
 */
export function matchesKeyword(paper: Pick<Paper, "title" | "abstract">, phrase: string): boolean {
  let regex = keywordRegexes.get(phrase);
  if (!regex) {
    if (phraseWords(phrase).length === 0) return false;
    if (keywordRegexes.size >= MAX_CACHED_KEYWORDS) keywordRegexes.clear();
    regex = phrasesRegExp([phrase], "u");
    keywordRegexes.set(phrase, regex);
  }
  return regex.test(searchableText(paper.title)) || regex.test(searchableText(paper.abstract));
}

/**
 * The digest chapter of a paper from its topic ids, best first (a card's or matchTopics'):
 * the chapter of the first known topic other than 其他, else 其他.
 */
export function chapterOf(
  topicIds: readonly string[],
  taxonomy: Taxonomy = loadTaxonomy(),
): Chapter {
  for (const id of topicIds) {
    if (id === OTHER_TOPIC_ID) continue;
    const topic = topicById(taxonomy, id);
    if (topic) return topic.chapter;
  }
  return "其他";
}
