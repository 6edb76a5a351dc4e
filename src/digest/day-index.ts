/**
 * One announcement day, indexed for selecting digests: each paper with its card, its topic
 * ids (card topics ∪ rule topics, worked out once) and its chapter, and maps from topic and
 * category to papers. Selecting for a chat then touches only the papers its subscriptions
 * point at, which is what lets 10,000 chats share one pass over the day.
 */
import type { Paper } from "../arxiv/paper.ts";
import type { Subscription } from "../store/subscriptions.ts";
import type { Card } from "../summarise/card.ts";
import { type Chapter, OTHER_TOPIC_ID, type Taxonomy } from "../topics/taxonomy.ts";

/** A paper's rule-based topics (best first) and how strongly the best one matched. */
export interface RuleTopics {
  ids: string[];
  score: number;
}

export interface IndexedPaper {
  paper: Paper;
  card: Card;
  /** topic ids, card topics first (the LLM read the paper), then rule topics */
  topics: string[];
  /** the rules' best match score, a tie-breaker after the card's 推荐指数 */
  ruleScore: number;
  /** the chapter of the paper's first known topic, 其他 when none */
  chapter: Chapter;
}

export interface DayIndexOptions {
  taxonomy: Taxonomy;
  ruleTopics: (paper: Paper) => RuleTopics;
  matchesKeyword: (paper: Paper, phrase: string) => boolean;
}

const OTHER_CHAPTER: Chapter = "其他";
const HAN = /\p{Script=Han}/u;

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The card's Chinese text, lower-cased, for keyword subscriptions typed in Chinese. */
function cardText(card: Card): string {
  return [card.title_zh, card.tldr, card.motivation, card.method, card.results, ...card.keywords]
    .join("\n")
    .toLowerCase();
}

export class DayIndex {
  readonly papers: IndexedPaper[];
  private readonly byTopic = new Map<string, number[]>();
  private readonly byCategory = new Map<string, number[]>();
  private readonly byArchive = new Map<string, number[]>();
  private readonly keywordHits = new Map<string, readonly number[]>();
  private readonly chapterOfTopic: Map<string, Chapter>;

  constructor(
    readonly date: string,
    papers: readonly Paper[],
    cards: ReadonlyMap<string, Card>,
    fallback: (paper: Paper, ruleTopicIds: string[]) => Card,
    private readonly options: DayIndexOptions,
  ) {
    this.chapterOfTopic = new Map(options.taxonomy.topics.map((t) => [t.id, t.chapter]));
    const seen = new Set<string>();
    this.papers = [];
    for (const paper of papers) {
      // A paper is listed once a day even when several feeds (new, cross) carried it.
      if (seen.has(paper.id)) continue;
      seen.add(paper.id);
      const rules = options.ruleTopics(paper);
      const card = cards.get(paper.id) ?? fallback(paper, rules.ids);
      const known = (id: string) => this.chapterOfTopic.has(id);
      const topics = [...new Set([...card.topics.filter(known), ...rules.ids.filter(known)])];
      const first = topics.find((t) => t !== OTHER_TOPIC_ID) ?? topics[0];
      const index = this.papers.length;
      this.papers.push({
        paper,
        card,
        topics,
        ruleScore: rules.score,
        chapter: (first && this.chapterOfTopic.get(first)) || OTHER_CHAPTER,
      });
      for (const t of topics) push(this.byTopic, t, index);
      for (const c of new Set(paper.categories)) {
        push(this.byCategory, c, index);
        const archive = c.split(".")[0];
        if (archive && archive !== c) push(this.byArchive, archive, index);
      }
    }
    // An archive subscription (cs) covers its categories; a paper may list several of them.
    for (const [archive, list] of this.byArchive) this.byArchive.set(archive, [...new Set(list)]);
  }

  /** Indexes (into `papers`) of the papers a subscription matches. */
  matching(sub: Pick<Subscription, "kind" | "value">): readonly number[] {
    switch (sub.kind) {
      case "topic":
        return this.byTopic.get(sub.value) ?? [];
      case "category":
        return this.byCategory.get(sub.value) ?? this.byArchive.get(sub.value) ?? [];
      case "keyword":
        return this.keyword(sub.value);
    }
  }

  /** The chapter a topic belongs to, when the taxonomy knows it. */
  chapterOf(topicId: string): Chapter | undefined {
    return this.chapterOfTopic.get(topicId);
  }

  private keyword(phrase: string): readonly number[] {
    const cached = this.keywordHits.get(phrase);
    if (cached) return cached;
    // Chinese phrases are also looked for in the Chinese card; Latin ones only by the word-
    // bounded rules, so "rag" does not match "paragraph".
    const needle = HAN.test(phrase) ? phrase.toLowerCase() : null;
    const hits: number[] = [];
    this.papers.forEach((p, i) => {
      if (
        this.options.matchesKeyword(p.paper, phrase) ||
        (needle !== null && cardText(p.card).includes(needle))
      ) {
        hits.push(i);
      }
    });
    this.keywordHits.set(phrase, hits);
    return hits;
  }
}
