/**
 * A period's papers (a week or a month of announcements, each paper once), indexed compactly
 * for 周报/月报: flat typed arrays for what the ranking reads, interned topic numbers, the
 * subscription lookups (topic, category, keyword, author) and the folded texts keywords and
 * mutes are matched against. No Paper or Card object is kept: a month of 20,000 papers costs
 * a few tens of MB instead of hundreds, and the few papers a report shows are loaded again
 * from the store (see ReportBuilder). It matches exactly as the daily DayIndex does.
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
import { CHAPTERS, type Chapter, OTHER_TOPIC_ID, type Taxonomy } from "../topics/taxonomy.ts";

/** A fallback card has no 推荐指数; it ranks as an average paper would. */
export const UNRATED = 2.5;
const HAN = /\p{Script=Han}/u;
const EMPTY: readonly number[] = [];
const CHAPTER_INDEX = new Map<Chapter, number>(CHAPTERS.map((c, i) => [c, i]));
const OTHER_INDEX = CHAPTERS.length - 1;

/** The card's text folded like keywords (width, case, traditional → simplified). */
const cardText = (card: Card) => toSimplified(cardSearchText(card).normalize("NFKC").toLowerCase());

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Keyword, author and mute phrases whose papers are looked for while a period is indexed. */
export interface Phrases {
  keywords: readonly string[];
  authors: readonly string[];
  /** folded (NFKC, lower case, simplified), as PersonalStore keeps them */
  mutes: readonly string[];
}

export interface PeriodIndexOptions {
  taxonomy: Taxonomy;
  ruleTopics: (paper: Paper) => { ids: string[]; score: number };
  fallback: (paper: Paper, ruleTopicIds: string[]) => Card;
  /** phrases known before indexing: their hits are found in the one pass over the period */
  phrases: Phrases;
  /**
   * the period's papers again, in the same order, for a phrase first asked for after
   * indexing (the texts are not kept)
   */
  reread: () => Iterable<{ paper: Paper; card: Card | undefined }>;
}

/** What phrase lookups read of a paper, folded on first use. */
class PaperTexts {
  private title_?: string;
  private abstract_?: string;
  private card_?: string;
  private authored_?: AuthoredPaper;
  constructor(
    private readonly paper: Paper,
    private readonly cardOf: () => Card,
  ) {}
  get title(): string {
    this.title_ ??= searchableText(this.paper.title);
    return this.title_;
  }
  get abstract(): string {
    this.abstract_ ??= searchableText(this.paper.abstract);
    return this.abstract_;
  }
  get card(): string {
    this.card_ ??= cardText(this.cardOf());
    return this.card_;
  }
  get authored(): AuthoredPaper {
    this.authored_ ??= authoredPaper(this.paper.authors, this.paper.categories);
    return this.authored_;
  }
}

type PhraseKind = "keyword" | "author" | "mute";

/** One phrase's test, as the daily DayIndex matches it, and the papers it found. */
interface Probe {
  key: string;
  test: (t: PaperTexts) => boolean;
  hits: number[];
}

function probeOf(kind: PhraseKind, phrase: string): Probe {
  const key = `${kind}:${phrase}`;
  if (kind === "author") {
    const follow: AuthorFollow | null = parseFollow(phrase);
    return { key, hits: [], test: follow ? (t) => followMatches(follow, t.authored) : () => false };
  }
  // Word-bounded in the title and abstract, or (Chinese) anywhere in the card's folded text.
  const regex = phraseWords(phrase).length > 0 ? phrasesRegExp([phrase], "u") : null;
  const han = HAN.test(phrase) ? toSimplified(phrase.normalize("NFKC").toLowerCase()) : null;
  const keyword = (t: PaperTexts) =>
    (regex !== null && (regex.test(t.title) || regex.test(t.abstract))) ||
    (han !== null && t.card.includes(han));
  if (kind === "keyword") return { key, hits: [], test: keyword };
  // A mute also hides a paper whose card mentions the phrase anywhere.
  const needle = toSimplified(phrase.normalize("NFKC").toLowerCase());
  return { key, hits: [], test: (t) => keyword(t) || t.card.includes(needle) };
}

function probesOf(phrases: Phrases): Probe[] {
  return [
    ...new Set(phrases.keywords.map((p) => `keyword:${p}`)),
    ...new Set(phrases.authors.map((p) => `author:${p}`)),
    ...new Set(phrases.mutes.map((p) => `mute:${p}`)),
  ].map((key) => {
    const at = key.indexOf(":");
    return probeOf(key.slice(0, at) as PhraseKind, key.slice(at + 1));
  });
}

/** Adds papers one announcement day at a time, then `finish()` ranks them. */
export class PeriodIndexBuilder {
  private readonly seen = new Set<string>();
  private readonly chapterOfTopic: Map<string, Chapter>;
  readonly ids: string[] = [];
  readonly scores: number[] = [];
  readonly fallback: boolean[] = [];
  readonly ruleScores: number[] = [];
  readonly chapterIdx: number[] = [];
  readonly topicNumber = new Map<string, number>();
  readonly topicChapter: number[] = [];
  readonly topicStart: number[] = [];
  readonly topicList: number[] = [];
  readonly byTopic = new Map<number, number[]>();
  readonly byCategory = new Map<string, number[]>();
  readonly byArchive = new Map<string, number[]>();
  readonly probes: Probe[];
  readonly codeUrls = new Map<number, string>();
  readonly keywords = new Map<string, { word: string; count: number }>();

  constructor(private readonly options: PeriodIndexOptions) {
    this.chapterOfTopic = new Map(options.taxonomy.topics.map((t) => [t.id, t.chapter]));
    this.probes = probesOf(options.phrases);
  }

  /** Adds a listed paper with its best card; a paper already added is skipped. */
  add(paper: Paper, stored: Card | undefined): void {
    const known = (id: string) => this.chapterOfTopic.has(id);
    if (this.seen.has(paper.id)) return; // a cross-list or a later listing of the paper
    this.seen.add(paper.id);
    const rules = this.options.ruleTopics(paper);
    // Without a stored card the paper has a fallback card: its topics are the rules' own, it
    // has no score and no keywords, and its text is built only if a phrase needs to read it.
    const cardTopics = stored ? stored.topics.filter(known) : [];
    const topics = [...new Set([...cardTopics, ...rules.ids.filter(known)])];
    const first = topics.find((t) => t !== OTHER_TOPIC_ID) ?? topics[0];
    const chapter = (first && this.chapterOfTopic.get(first)) || "其他";
    const i = this.ids.length;
    this.ids.push(paper.id);
    this.scores.push(stored?.score ?? Number.NaN);
    this.fallback.push(stored?.fallback ?? true);
    this.ruleScores.push(rules.score);
    this.chapterIdx.push(CHAPTER_INDEX.get(chapter) ?? OTHER_INDEX);
    this.topicStart.push(this.topicList.length);
    for (const t of topics) {
      let k = this.topicNumber.get(t);
      if (k === undefined) {
        k = this.topicNumber.size;
        this.topicNumber.set(t, k);
        const own = this.chapterOfTopic.get(t);
        this.topicChapter.push(own ? (CHAPTER_INDEX.get(own) ?? -1) : -1);
      }
      this.topicList.push(k);
      push(this.byTopic, k, i);
    }
    for (const c of new Set(paper.categories)) {
      push(this.byCategory, c, i);
      const archive = c.split(".")[0];
      if (archive && archive !== c) push(this.byArchive, archive, i);
    }
    if (this.probes.length) {
      const texts = new PaperTexts(paper, () => stored ?? this.options.fallback(paper, rules.ids));
      for (const probe of this.probes) if (probe.test(texts)) probe.hits.push(i);
    }
    if (paper.codeUrl) this.codeUrls.set(i, paper.codeUrl);
    for (const k of new Set((stored?.keywords ?? []).map((w) => w.trim()).filter(Boolean))) {
      const key = k.toLowerCase();
      const hit = this.keywords.get(key);
      if (hit) hit.count++;
      else this.keywords.set(key, { word: k, count: 1 });
    }
  }

  finish(): PeriodIndex {
    return new PeriodIndex(this, this.options);
  }
}

export class PeriodIndex {
  readonly size: number;
  readonly ids: readonly string[];
  /** 推荐指数 (NaN: a fallback card, unrated) */
  readonly score: Float32Array;
  /** 推荐指数 × 10 (unrated: 2.5), the base of every ranking key */
  readonly baseKey: Float64Array;
  /** the paper's own chapter (CHAPTERS index) */
  readonly chapterIdx: Uint8Array;
  /** papers are numbered by chapter: chapter c's papers are chapterStart[c] .. chapterStart[c+1] */
  readonly chapterStart: Int32Array;
  /** 0 for the period's best paper: written cards first, by 推荐指数, rules, newest id */
  readonly rankOf: Int32Array;
  /** rankOf inverted: byRank[r] is the paper of rank r */
  readonly byRank: Int32Array;
  /** each paper's topics as numbers (paper i: topicList[topicStart[i] .. topicStart[i+1]]) */
  readonly topicNumber: ReadonlyMap<string, number>;
  readonly topicStart: Int32Array;
  readonly topicList: Int32Array;
  /** a topic number's chapter index, -1 when the taxonomy does not know it */
  readonly topicChapter: Int8Array;
  readonly codeUrls: ReadonlyMap<number, string>;
  /** the most frequent card keywords of the period, in first-seen spelling */
  readonly keywordCounts: ReadonlyMap<string, { word: string; count: number }>;
  private readonly byTopic: ReadonlyMap<number, readonly number[]>;
  private readonly byCategory: ReadonlyMap<string, readonly number[]>;
  private readonly byArchive: Map<string, readonly number[]>;
  /** papers of each phrase looked for ("keyword:…", "author:…", "mute:…") */
  private readonly hits = new Map<string, readonly number[]>();
  private ids_: Map<string, number> | undefined;

  constructor(
    b: PeriodIndexBuilder,
    private readonly options: PeriodIndexOptions,
  ) {
    const n = b.ids.length;
    this.size = n;
    // Papers are numbered chapter by chapter, so a chapter is one range of bits and a chat's
    // count per chapter is a popcount over that range.
    const oldOf = Array.from({ length: n }, (_, i) => i).sort(
      (x, y) => (b.chapterIdx[x] as number) - (b.chapterIdx[y] as number) || x - y,
    );
    const pos = new Int32Array(n);
    oldOf.forEach((old, i) => {
      pos[old] = i;
    });
    const moved = (list: readonly number[]) => list.map((old) => pos[old] as number);
    const ids = oldOf.map((old) => b.ids[old] as string);
    const scores = oldOf.map((old) => b.scores[old] as number);
    const fallback = oldOf.map((old) => b.fallback[old] as boolean);
    const ruleScores = oldOf.map((old) => b.ruleScores[old] as number);
    this.ids = ids;
    this.score = Float32Array.from(scores);
    this.baseKey = Float64Array.from(scores, (s) => (Number.isNaN(s) ? UNRATED : s) * 10);
    this.chapterIdx = Uint8Array.from(oldOf, (old) => b.chapterIdx[old] as number);
    this.chapterStart = new Int32Array(CHAPTERS.length + 1);
    for (const c of this.chapterIdx)
      this.chapterStart[c + 1] = (this.chapterStart[c + 1] as number) + 1;
    for (let c = 0; c < CHAPTERS.length; c++)
      this.chapterStart[c + 1] =
        (this.chapterStart[c + 1] as number) + (this.chapterStart[c] as number);
    this.topicNumber = b.topicNumber;
    const topicStart = new Int32Array(n + 1);
    const topicList: number[] = [];
    oldOf.forEach((old, i) => {
      topicStart[i] = topicList.length;
      const end = old + 1 < n ? (b.topicStart[old + 1] as number) : b.topicList.length;
      for (let k = b.topicStart[old] as number; k < end; k++)
        topicList.push(b.topicList[k] as number);
    });
    topicStart[n] = topicList.length;
    this.topicStart = topicStart;
    this.topicList = Int32Array.from(topicList);
    this.topicChapter = Int8Array.from(b.topicChapter);
    this.codeUrls = new Map([...b.codeUrls].map(([old, url]) => [pos[old] as number, url]));
    this.keywordCounts = b.keywords;
    this.byTopic = new Map([...b.byTopic].map(([k, list]) => [k, moved(list)]));
    this.byCategory = new Map([...b.byCategory].map(([c, list]) => [c, moved(list)]));
    // An archive subscription (cs) covers its categories; a paper may list several of them.
    this.byArchive = new Map([...b.byArchive].map(([a, list]) => [a, moved([...new Set(list)])]));
    for (const probe of b.probes) this.hits.set(probe.key, moved(probe.hits));
    const order = Array.from({ length: n }, (_, i) => i);
    const score = (i: number) => {
      const s = scores[i] as number;
      return Number.isNaN(s) ? UNRATED : s;
    };
    order.sort(
      (x, y) =>
        // A card a reader can read comes before an untranslated fallback card.
        Number(fallback[x]) - Number(fallback[y]) ||
        score(y) - score(x) ||
        (ruleScores[y] as number) - (ruleScores[x] as number) ||
        ((ids[y] as string) < (ids[x] as string)
          ? -1
          : (ids[y] as string) > (ids[x] as string)
            ? 1
            : 0),
    );
    this.byRank = Int32Array.from(order);
    this.rankOf = new Int32Array(n);
    order.forEach((i, r) => {
      this.rankOf[i] = r;
    });
  }

  /** The index of a paper id, or undefined. */
  indexOf(id: string): number | undefined {
    this.ids_ ??= new Map(this.ids.map((p, i) => [p, i]));
    return this.ids_.get(id);
  }

  /** Indexes of the papers a subscription matches (as the daily digest matches them). */
  matching(sub: Pick<Subscription, "kind" | "value">): readonly number[] {
    switch (sub.kind) {
      case "topic": {
        const k = this.topicNumber.get(sub.value);
        return k === undefined ? EMPTY : (this.byTopic.get(k) ?? EMPTY);
      }
      case "category":
        return this.byCategory.get(sub.value) ?? this.byArchive.get(sub.value) ?? EMPTY;
      case "keyword":
        return this.keyword(sub.value);
      case "author":
        return this.author(sub.value);
    }
  }

  /**
   * Papers a muted phrase (folded) hides: as a keyword would match, or anywhere in the card's
   * folded text.
   */
  muted(phrase: string): readonly number[] {
    return this.phrase("mute", phrase);
  }

  private keyword(phrase: string): readonly number[] {
    return this.phrase("keyword", phrase);
  }

  private author(value: string): readonly number[] {
    return this.phrase("author", value);
  }

  /** A phrase's papers: found while indexing, or by reading the period again (then kept). */
  private phrase(kind: PhraseKind, phrase: string): readonly number[] {
    const key = `${kind}:${phrase}`;
    const known = this.hits.get(key);
    if (known) return known;
    const probe = probeOf(kind, phrase);
    const done = new Uint8Array(this.size);
    for (const { paper, card } of this.options.reread()) {
      const i = this.indexOf(paper.id);
      if (i === undefined || done[i]) continue;
      done[i] = 1;
      const texts = new PaperTexts(
        paper,
        () => card ?? this.options.fallback(paper, this.options.ruleTopics(paper).ids),
      );
      if (probe.test(texts)) probe.hits.push(i);
    }
    this.hits.set(key, probe.hits);
    return probe.hits;
  }
}
