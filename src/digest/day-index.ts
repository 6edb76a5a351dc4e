/**
 * One announcement day, indexed for selecting digests: each paper with its card, its topic
 * ids (card topics ∪ rule topics, worked out once), its chapter and its place in the day's
 * ranking, and maps from topic, category and keyword to papers. Selecting for a chat then
 * touches only the papers its subscriptions point at, which is what lets 10,000 chats share
 * one pass over the day.
 */
import {
  type AuthoredPaper,
  type AuthorFollow,
  authoredPaper,
  followMatches,
  parseFollow,
} from "../ranking/authors.ts";
import { type Card, cardSearchText } from "../store/card.ts";
import type { Paper } from "../store/paper.ts";
import type { Subscription } from "../store/subscriptions.ts";
import { toSimplified } from "../topics/normalise.ts";
import { phrasesRegExp, phraseWords, searchableText } from "../topics/phrase.ts";
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
  /** 0 for the day's best paper: by 推荐指数, then the rules' confidence, then newest id */
  rank: number;
}

export interface DayIndexOptions {
  taxonomy: Taxonomy;
  ruleTopics: (paper: Paper) => RuleTopics;
}

/** A fallback card has no 推荐指数; it ranks as an average paper would. */
const UNRATED_SCORE = 2.5;
const OTHER_CHAPTER: Chapter = "其他";
const HAN = /\p{Script=Han}/u;
const EMPTY: readonly number[] = [];

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The card's text, folded like keywords (width, case, traditional → simplified), for keyword
 * subscriptions and mutes typed in Chinese.
 */
function cardText(card: Card): string {
  return toSimplified(cardSearchText(card).normalize("NFKC").toLowerCase());
}

export class DayIndex {
  readonly papers: IndexedPaper[] = [];
  /** papers[byRank[r]].rank === r */
  readonly byRank: Int32Array;
  /** how many papers have a written (LLM) card: they hold ranks 0 .. written-1 */
  readonly written: number;
  private readonly byTopic = new Map<string, number[]>();
  private readonly byCategory = new Map<string, number[]>();
  private readonly byArchive = new Map<string, number[]>();
  private readonly keywordHits = new Map<string, readonly number[]>();
  private readonly keywordSets = new Map<string, ReadonlySet<number>>();
  private readonly authorHits = new Map<string, readonly number[]>();
  private readonly muteHits = new Map<string, ReadonlySet<number>>();
  private authored: AuthoredPaper[] | undefined;
  private readonly chapterOfTopic: Map<string, Chapter>;
  /** title and abstract as the keyword regexes read them, built on first keyword use */
  private haystacks: string[] | undefined;
  private cardTexts: string[] | undefined;

  constructor(
    readonly date: string,
    papers: readonly Paper[],
    cards: ReadonlyMap<string, Card>,
    fallback: (paper: Paper, ruleTopicIds: string[]) => Card,
    options: DayIndexOptions,
  ) {
    this.chapterOfTopic = new Map(options.taxonomy.topics.map((t) => [t.id, t.chapter]));
    const known = (id: string) => this.chapterOfTopic.has(id);
    const seen = new Set<string>();
    for (const paper of papers) {
      // A paper is listed once a day even when several feeds (new, cross) carried it.
      if (seen.has(paper.id)) continue;
      seen.add(paper.id);
      const rules = options.ruleTopics(paper);
      const card = cards.get(paper.id) ?? fallback(paper, rules.ids);
      const topics = [...new Set([...card.topics.filter(known), ...rules.ids.filter(known)])];
      const first = topics.find((t) => t !== OTHER_TOPIC_ID) ?? topics[0];
      const index = this.papers.length;
      this.papers.push({
        paper,
        card,
        topics,
        ruleScore: rules.score,
        chapter: (first && this.chapterOfTopic.get(first)) || OTHER_CHAPTER,
        rank: 0,
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

    const order = this.papers.map((_, i) => i);
    order.sort((a, b) => {
      const pa = this.papers[a] as IndexedPaper;
      const pb = this.papers[b] as IndexedPaper;
      // A card a reader can read comes before an untranslated fallback card, whatever the
      // fallback's rules say; among written cards the 推荐指数 decides.
      return (
        Number(pa.card.fallback) - Number(pb.card.fallback) ||
        (pb.card.score ?? UNRATED_SCORE) - (pa.card.score ?? UNRATED_SCORE) ||
        pb.ruleScore - pa.ruleScore ||
        (pb.paper.id < pa.paper.id ? -1 : pb.paper.id > pa.paper.id ? 1 : 0)
      );
    });
    this.byRank = Int32Array.from(order);
    this.written = this.papers.filter((p) => !p.card.fallback).length;
    order.forEach((index, rank) => {
      (this.papers[index] as IndexedPaper).rank = rank;
    });
  }

  /** Indexes (into `papers`) of the papers a subscription matches. */
  matching(sub: Pick<Subscription, "kind" | "value">): readonly number[] {
    switch (sub.kind) {
      case "topic":
        return this.byTopic.get(sub.value) ?? EMPTY;
      case "category":
        return this.byCategory.get(sub.value) ?? this.byArchive.get(sub.value) ?? EMPTY;
      case "keyword":
        return this.keyword(sub.value);
      case "author":
        return this.author(sub.value);
    }
  }

  /** Whether the paper at `index` matches `sub`. */
  matches(sub: Pick<Subscription, "kind" | "value">, index: number): boolean {
    const entry = this.papers[index];
    if (!entry) return false;
    switch (sub.kind) {
      case "topic":
        return entry.topics.includes(sub.value);
      case "category": {
        const v = sub.value;
        // The category itself, or any category of an archive ("cs" covers "cs.CV").
        return entry.paper.categories.some(
          (c) => c === v || (c.charCodeAt(v.length) === 46 && c.startsWith(v)),
        );
      }
      case "keyword":
      case "author": {
        const key = `${sub.kind}:${sub.value}`;
        let set = this.keywordSets.get(key);
        if (!set) {
          set = new Set(this.matching(sub));
          this.keywordSets.set(key, set);
        }
        return set.has(index);
      }
    }
  }

  /**
   * Whether a muted phrase occurs in the paper's title, abstract or card: as a keyword would
   * match (word-bounded English, folded Chinese), or anywhere in the card's folded text.
   */
  muted(phrase: string, index: number): boolean {
    let set = this.muteHits.get(phrase);
    if (!set) {
      const hits = new Set(this.keyword(phrase));
      this.cardTexts ??= this.papers.map((p) => cardText(p.card));
      const needle = toSimplified(phrase.normalize("NFKC").toLowerCase());
      this.cardTexts.forEach((text, i) => {
        if (text.includes(needle)) hits.add(i);
      });
      set = hits;
      this.muteHits.set(phrase, set);
    }
    return set.has(index);
  }

  /** Papers by a followed author (see src/ranking/authors.ts), looked for once a day. */
  private author(value: string): readonly number[] {
    const cached = this.authorHits.get(value);
    if (cached) return cached;
    const follow: AuthorFollow | null = parseFollow(value);
    const hits: number[] = [];
    if (follow) {
      this.authored ??= this.papers.map((p) => authoredPaper(p.paper.authors, p.paper.categories));
      this.authored.forEach((a, i) => {
        if (followMatches(follow, a)) hits.push(i);
      });
    }
    this.authorHits.set(value, hits);
    return hits;
  }

  /** The chapter a topic belongs to, when the taxonomy knows it. */
  chapterOf(topicId: string): Chapter | undefined {
    return this.chapterOfTopic.get(topicId);
  }

  /**
   * Papers whose title or abstract contain the phrase (word-bounded, as src/topics matches
   * keywords), or, for a Chinese phrase, whose card does. Each distinct phrase is looked for
   * once a day, however many chats subscribed to it.
   */
  private keyword(phrase: string): readonly number[] {
    const cached = this.keywordHits.get(phrase);
    if (cached) return cached;
    const hits: number[] = [];
    const regex = phraseWords(phrase).length > 0 ? phrasesRegExp([phrase], "u") : null;
    const needle = HAN.test(phrase) ? toSimplified(phrase.normalize("NFKC").toLowerCase()) : null;
    if (regex) {
      this.haystacks ??= this.papers.map(
        // A separator no phrase can span (phrases join words with spaces or hyphens).
        (p) => `${searchableText(p.paper.title)}\u0000${searchableText(p.paper.abstract)}`,
      );
    }
    if (needle !== null) this.cardTexts ??= this.papers.map((p) => cardText(p.card));
    for (let i = 0; i < this.papers.length; i++) {
      if (
        regex?.test(this.haystacks?.[i] ?? "") ||
        (needle !== null && (this.cardTexts?.[i] ?? "").includes(needle))
      ) {
        hits.push(i);
      }
    }
    this.keywordHits.set(phrase, hits);
    return hits;
  }
}
