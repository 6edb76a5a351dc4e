/**
 * Selection of a 周报 / 月报: over a period's announcements, the papers a chat's
 * subscriptions match (each paper once, whatever versions or cross-lists it had), ranked as
 * the daily digest ranks them (followed authors, then the learned ranking or the card's
 * 推荐指数, then how many subscriptions matched) with popularity added as a roll-up signal,
 * grouped into the taxonomy's chapters in the seed's order and capped per chapter and in total.
 *
 * Personal ranking (follows, mutes, votes) and affiliations come from optional providers, so
 * this works the same before and after those features exist.
 */

import { DayIndex, type IndexedPaper } from "../digest/day-index.ts";
import type { Card } from "../store/card.ts";
import type { CardStore } from "../store/cards.ts";
import type { Paper } from "../store/paper.ts";
import type { PaperStore } from "../store/papers.ts";
import type { Subscription } from "../store/subscriptions.ts";
import { fallbackCard } from "../summarise/fallback.ts";
import { matchTopics } from "../topics/match.ts";
import { CHAPTERS, type Chapter, loadTaxonomy, type Taxonomy } from "../topics/taxonomy.ts";
import { headlineOf, sentencesOf } from "./headline.ts";
import {
  type ArxivCalendar,
  mailingDates,
  type Period,
  periodLabel,
  previousPeriod,
} from "./period.ts";
import {
  type PaperPopularity,
  type PopularityService,
  popularityBonus,
  type SignalStatus,
} from "./popularity.ts";

/** The personal filters of issue 14, when they exist. Every method is optional. */
export interface RankingProvider {
  /** the chat muted a word or author of this paper: it is left out */
  isMuted?(chat: number, paper: Paper, card: Card): boolean;
  /** the chat follows an author of this paper: it ranks first */
  isFollowed?(chat: number, paper: Paper): boolean;
  /** the chat's learned score (1–5 scale), used instead of the card's 推荐指数 when given */
  score?(chat: number, paper: Paper, card: Card): number | undefined;
}

/** Affiliations from the deep-read card, when known; never guessed. */
export interface AffiliationProvider {
  affiliationsOf(paperId: string): readonly string[] | undefined;
}

export interface ReportCaps {
  perChapter: number;
  total: number;
}

export const DEFAULT_CAPS: Record<Period["kind"], ReportCaps> = {
  week: { perChapter: 5, total: 30 },
  month: { perChapter: 10, total: 60 },
};

export interface ReportItem {
  paper: Paper;
  card: Card;
  chapter: Chapter;
  headline: string;
  sentences: string[];
  popularity?: PaperPopularity;
  followed: boolean;
}

export interface ReportChapter {
  chapter: Chapter;
  /** papers of this chapter the selection matched (before caps) */
  total: number;
  /** the same count in the previous period; null when that period is not fully stored */
  previous: number | null;
  items: ReportItem[];
}

export interface Report {
  period: Period;
  label: string;
  /** distinct papers announced in the period (stored) */
  seen: number;
  /** distinct papers the selection matched */
  matched: number;
  /** announcement dates of the period, published by now, that the store has not seen */
  missingDates: string[];
  /** true when the store has none of the period's announcements: no report, say so */
  unseen: boolean;
  /** true when the period is over (its last announcement published) */
  ended: boolean;
  /** every chapter in the seed's order, with its counts; items only where selected */
  chapters: ReportChapter[];
  /** ranking signals this report used, and notes on sources that failed or were partial */
  signals: (keyof typeof SIGNAL_KEYS)[];
  signalNotes: SignalStatus[];
  /** top keywords of the selected papers' cards */
  keywords: { word: string; count: number }[];
  /** whether the selection is a chat's (subscriptions) or every topic (the public page) */
  scope: "chat" | "all";
}

export const SIGNAL_KEYS = { score: 1, match: 1, ranking: 1, hf: 1, github: 1 } as const;

export interface ReportBuilderDeps {
  papers: Pick<PaperStore, "announced" | "ingestRun">;
  cards: Pick<CardStore, "bestMany">;
  taxonomy?: Taxonomy;
  ranking?: RankingProvider;
  affiliations?: AffiliationProvider;
  popularity?: PopularityService;
  /** arXiv's announcement calendar (ARXIV_CALENDAR from ./period.ts) */
  calendar: ArxivCalendar;
  now?: () => number;
}

export interface SelectOptions {
  /** the chat whose personal ranking applies (none for the public page or the CLI) */
  chat?: number;
  caps?: ReportCaps;
  /**
   * fetch: ask the popularity sources for this shortlist (on demand, CLI); cached: read only
   * what is cached (the scheduler's bulk run, after one prefetch); off: no popularity
   */
  popularity?: "fetch" | "cached" | "off";
}

/** One period's papers, indexed once for every chat. */
interface PeriodData {
  period: Period;
  /** per paper: 推荐指数 × 10 (unrated: 2.5), its chapter's index, and whether its topics span
   * chapters (then a chat's topic subscriptions may move it) */
  baseKey: Float64Array;
  chapterIdx: Uint8Array;
  multi: Uint8Array;
  /** cached popularity of the period's papers (bulk runs read it once) */
  cachedPopularity?: Map<string, PaperPopularity>;
  /** paper id → index, built when first needed */
  ids?: Map<string, number>;
  /** the last popularity map turned into bonuses by index (shared by a bulk run's chats) */
  bonus?: { source: Map<string, PaperPopularity>; byIndex: Map<number, number> };
  /** when it was indexed (ms): reused for CACHE_MS, so a long-lived process sees new days */
  at: number;
  index: DayIndex;
  dates: string[];
  missingDates: string[];
  unseen: boolean;
  ended: boolean;
  /** the top keywords of every paper of the period, once asked for */
  keywords?: { word: string; count: number }[];
  /** headline and sentences by paper index (the same paper shows in many chats' reports) */
  lines?: Map<number, { headline: string; sentences: string[]; affiliations: string }>;
  /** bitsets of the period's papers for the per-chat selection, built when first needed */
  bits?: PeriodBits;
}

/**
 * The period's papers as bitsets (bit i = paper i), shared by every chat of a bulk run: a
 * chat's matched papers are the OR of its subscriptions' sets, its per-chapter counts a few
 * popcounts, and its best papers a walk down the period's order that stops once every chapter
 * is settled. A chat then costs microseconds instead of a pass over thousands of matches.
 */
interface PeriodBits {
  words: number;
  /** papers by their own chapter (a chat's topic subscriptions may move multi-chapter ones) */
  chapters: Uint32Array[];
  multi: Uint32Array;
  /** each paper's topics as numbers (paper i: topicList[topicStart[i] .. topicStart[i+1]]) */
  topicNumber: Map<string, number>;
  topicStart: Int32Array;
  topicList: Int32Array;
  /** a topic number's chapter index, -1 when the taxonomy does not know it */
  topicChapter: Int8Array;
  /** subscription ("kind:value") → the papers it matches */
  subs: Map<string, Uint32Array>;
  /** paper indexes by their best possible key (score + popularity), then the period's rank */
  order?: { bonus: Map<number, number> | undefined; list: Int32Array; upper: Float64Array };
}

/** The most a paper's key gains from the number of subscriptions matching it. */
const MAX_MATCH_BONUS = 0.9;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function bitsetOf(indexes: Iterable<number>, words: number): Uint32Array {
  const set = new Uint32Array(words);
  for (const i of indexes) set[i >>> 5] = (set[i >>> 5] as number) | (1 << (i & 31));
  return set;
}

const hasBit = (set: Uint32Array, i: number) => ((set[i >>> 5] as number) & (1 << (i & 31))) !== 0;

const SHORTLIST_FACTOR = 3;

/** A paper kept for a report while ranking. */
interface Candidate {
  index: number;
  key: number;
  /** the period's ranking (card score, rules, id): the last tie-breaker */
  rank: number;
  chapter: Chapter;
  followed: boolean;
}

interface Ranked {
  /** the selected candidates, best first (per-chapter and total caps applied) */
  order: Candidate[];
  /** matched papers per chapter, before caps */
  totals: Map<Chapter, number>;
  matched: number;
}

const CHAPTER_INDEX = new Map<Chapter, number>(CHAPTERS.map((c, i) => [c, i]));

const byKey = (a: Candidate, b: Candidate) => b.key - a.key || a.rank - b.rank;

/** Inserts `c` into `list` (kept sorted best first) when it is among the best `max`. */
function insertBounded(list: Candidate[], c: Candidate, max: number): void {
  if (max <= 0) return;
  if (list.length >= max && byKey(c, list[list.length - 1] as Candidate) >= 0) return;
  let at = list.length;
  while (at > 0 && byKey(c, list[at - 1] as Candidate) < 0) at--;
  list.splice(at, 0, c);
  if (list.length > max) list.pop();
}
const CACHE_MS = 10 * 60_000;
const KEYWORDS = 8;
const UNRATED = 2.5;

export class ReportBuilder {
  private readonly taxonomy: Taxonomy;
  private readonly now: () => number;
  private readonly cache = new Map<string, PeriodData>();
  private readonly ruleCache = new Map<string, { ids: string[]; score: number }>();
  private counts = new Uint8Array(0);

  constructor(private readonly deps: ReportBuilderDeps) {
    this.taxonomy = deps.taxonomy ?? loadTaxonomy();
    this.now = deps.now ?? Date.now;
  }

  /**
   * Whether chats with the same subscriptions get the same report (no personal ranking):
   * then a bulk run builds one report per distinct set of subscriptions.
   */
  get sharesSelections(): boolean {
    return !this.deps.ranking;
  }

  /** Forgets indexed periods (after an ingest or summarise run changed the store). */
  refresh(): void {
    this.cache.clear();
  }

  private data(period: Period): PeriodData {
    const now = this.now();
    const hit = this.cache.get(period.key);
    if (hit && now - hit.at < CACHE_MS) return hit;
    this.cache.delete(period.key);
    const dates = mailingDates(period, this.deps.calendar);
    const published = dates.filter((d) => this.deps.calendar.announcementAt(d) <= now);
    const seen = new Set<string>();
    const papers: Paper[] = [];
    const missingDates: string[] = [];
    for (const date of published) {
      const listed = this.deps.papers.announced(date);
      if (listed.length === 0 && !this.deps.papers.ingestRun(date)) missingDates.push(date);
      for (const p of listed) {
        if (seen.has(p.id)) continue; // a cross-list or a later listing of the same paper
        seen.add(p.id);
        papers.push(p);
      }
    }
    const cards = this.deps.cards.bestMany(papers.map((p) => p.id));
    const index = new DayIndex(period.key, papers, cards, (p, ids) => fallbackCard(p, ids), {
      taxonomy: this.taxonomy,
      ruleTopics: (p) => this.ruleTopics(p),
    });
    // Per-paper figures the ranking loop reads for every matched paper, as flat arrays.
    const n = index.papers.length;
    const baseKey = new Float64Array(n);
    const chapterIdx = new Uint8Array(n);
    const multi = new Uint8Array(n);
    index.papers.forEach((e, i) => {
      baseKey[i] = (e.card.score ?? UNRATED) * 10;
      chapterIdx[i] = CHAPTER_INDEX.get(e.chapter) ?? CHAPTERS.length - 1;
      const chapters = new Set(e.topics.map((t) => index.chapterOf(t)));
      multi[i] = chapters.size > 1 ? 1 : 0;
    });
    const data: PeriodData = {
      period,
      at: now,
      index,
      baseKey,
      chapterIdx,
      multi,
      dates,
      missingDates,
      unseen: published.length > 0 && missingDates.length === published.length,
      ended: published.length === dates.length,
    };
    if (this.cache.size >= 4) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(period.key, data);
    return data;
  }

  private ruleTopics(paper: Paper): { ids: string[]; score: number } {
    const key = `${paper.id}v${paper.version}`;
    let hit = this.ruleCache.get(key);
    if (!hit) {
      const matches = matchTopics(paper, this.taxonomy);
      hit = { ids: matches.map((m) => m.topic.id), score: matches[0]?.score ?? 0 };
      if (this.ruleCache.size >= 100_000) this.ruleCache.clear();
      this.ruleCache.set(key, hit);
    }
    return hit;
  }

  /** The period's papers (distinct), for a popularity prefetch before a bulk run. */
  topOfPeriod(period: Period, n: number): { id: string; codeUrl: string | null }[] {
    const { index } = this.data(period);
    return [...index.byRank.slice(0, n)].map((i) => {
      const p = index.papers[i]?.paper as Paper;
      return { id: p.id, codeUrl: p.codeUrl };
    });
  }

  /** Fetches popularity for a shortlist into the cache (never throws; no-op without a source). */
  async gatherPopularity(
    period: Period,
    shortlist: { id: string; codeUrl: string | null }[],
  ): Promise<SignalStatus[]> {
    if (!this.deps.popularity) return [];
    return (await this.deps.popularity.gather(this.data(period).dates, shortlist)).status;
  }

  /** The period's announcement dates (no indexing). */
  mailingDates(period: Period): string[] {
    return mailingDates(period, this.deps.calendar);
  }

  /** Dates a popularity source lists papers under for the period. */
  listingDays(period: Period): string[] {
    return this.data(period).dates;
  }

  /**
   * The report for `subs` (a chat's subscriptions) or, with null, over every paper of the
   * period (the public page, `sudi report` without --topics). Asynchronous only when asked to
   * fetch popularity.
   */
  async build(
    period: Period,
    subs: Subscription[] | null,
    opts: SelectOptions = {},
  ): Promise<Report> {
    const mode = opts.popularity ?? "fetch";
    if (mode !== "fetch" || !this.deps.popularity) return this.buildSync(period, subs, opts);
    const caps = opts.caps ?? DEFAULT_CAPS[period.kind];
    const shortlist = this.shortlist(period, subs, opts.chat, caps);
    const gathered = await this.deps.popularity.gather(
      this.data(period).dates,
      shortlist.map((p) => ({ id: p.id, codeUrl: p.codeUrl })),
    );
    return this.assemble(period, subs, opts, gathered.values, gathered.status);
  }

  /**
   * build() without any request: popularity from the cache only (read once per period for
   * every chat of a bulk run), or none.
   */
  buildSync(period: Period, subs: Subscription[] | null, opts: SelectOptions = {}): Report {
    const mode = opts.popularity ?? "cached";
    const pop = this.deps.popularity;
    if (mode === "off" || !pop) return this.assemble(period, subs, opts, undefined, []);
    const data = this.data(period);
    data.cachedPopularity ??= pop.cachedAll(data.index.papers.map((e) => e.paper));
    return this.assemble(period, subs, opts, data.cachedPopularity, []);
  }

  /** The top keywords of every paper of the period, computed once per indexed period. */
  private periodKeywords(data: PeriodData): { word: string; count: number }[] {
    if (!data.keywords) data.keywords = topKeywords(data.index.papers.map((p) => p.card));
    return data.keywords;
  }

  /** Popularity bonuses by paper index, for the ranking loop. */
  private bonusByIndex(
    data: PeriodData,
    popularity: Map<string, PaperPopularity>,
  ): Map<number, number> {
    if (data.bonus?.source === popularity) return data.bonus.byIndex;
    data.ids ??= new Map(data.index.papers.map((e, i) => [e.paper.id, i]));
    const byIndex = new Map<number, number>();
    for (const [id, p] of popularity) {
      const i = data.ids.get(id);
      const b = popularityBonus(p);
      if (i !== undefined && b > 0) byIndex.set(i, b);
    }
    data.bonus = { source: popularity, byIndex };
    return byIndex;
  }

  /** The candidates popularity may reorder: a few times the caps, by the other signals. */
  private shortlist(
    period: Period,
    subs: Subscription[] | null,
    chat: number | undefined,
    caps: ReportCaps,
  ): Paper[] {
    const wide = {
      perChapter: caps.perChapter * SHORTLIST_FACTOR,
      total: caps.total * SHORTLIST_FACTOR,
    };
    const { index } = this.data(period);
    return this.ranked(period, subs, chat, undefined, wide).order.map(
      (c) => index.papers[c.index]?.paper as Paper,
    );
  }

  /**
   * The chat's matched papers: how many per chapter, and the best of each chapter (at most
   * `perChapter`), merged best first and cut at `total`. Each matched paper costs a few
   * array writes; only the kept candidates are ever sorted, so a subscription matching
   * thousands of papers of a month costs no sort of thousands.
   */
  private ranked(
    period: Period,
    subs: Subscription[] | null,
    chat: number | undefined,
    popularity: Map<number, number> | undefined,
    caps: ReportCaps,
  ): Ranked {
    const data = this.data(period);
    // Without personal ranking, chats with the same subscriptions get the same selection:
    // the bitset path (same result, a fraction of the work).
    if (subs !== null && (chat === undefined || !this.deps.ranking)) {
      return this.rankedBySets(data, subs, popularity, caps);
    }
    const { index, baseKey, chapterIdx, multi } = data;
    const n = index.papers.length;
    if (this.counts.length < n) this.counts = new Uint8Array(n);
    const counts = this.counts;
    const touched: number[] = [];
    if (subs === null) {
      for (let i = 0; i < n; i++) touched.push(i);
    } else {
      for (const sub of subs) {
        for (const i of index.matching(sub)) {
          const c = counts[i] ?? 0;
          if (c === 0) touched.push(i);
          if (c < 255) counts[i] = c + 1;
        }
      }
    }
    const ranking = chat === undefined ? undefined : this.deps.ranking;
    const topicSubs = (subs ?? []).filter((s) => s.kind === "topic").map((s) => s.value);
    const subscribedTopics = topicSubs.length ? new Set(topicSubs) : null;
    const totals = new Int32Array(CHAPTERS.length);
    const lists: Candidate[][] = CHAPTERS.map(() => []);
    // the worst kept candidate of a full chapter: anything not better is skipped at once
    const floorKey = new Float64Array(CHAPTERS.length).fill(Number.NEGATIVE_INFINITY);
    const floorRank = new Int32Array(CHAPTERS.length);
    const perChapter = caps.perChapter;
    let matched = 0;
    for (const i of touched) {
      const count = subs === null ? 1 : (counts[i] as number);
      counts[i] = 0;
      const entry = index.papers[i] as IndexedPaper;
      if (ranking?.isMuted?.(chat as number, entry.paper, entry.card)) continue;
      matched++;
      // The chapter of the first topic the chat subscribed to that the paper has, else its own.
      let ch = chapterIdx[i] as number;
      if (subscribedTopics && multi[i]) {
        for (const t of entry.topics) {
          const own = subscribedTopics.has(t) ? index.chapterOf(t) : undefined;
          if (own) {
            ch = CHAPTER_INDEX.get(own) ?? ch;
            break;
          }
        }
      }
      totals[ch] = (totals[ch] as number) + 1;
      if (perChapter === 0) continue;
      // Followed authors first, then score (+ popularity), then subscriptions matched, then
      // the period's own ranking.
      let key = (baseKey[i] as number) + (count > 9 ? 9 : count) / 10;
      let followed = false;
      if (ranking) {
        const learned = ranking.score?.(chat as number, entry.paper, entry.card);
        if (learned !== undefined) key += (learned - (entry.card.score ?? UNRATED)) * 10;
        followed = ranking.isFollowed?.(chat as number, entry.paper) ?? false;
        if (followed) key += 10_000;
      }
      if (popularity) key += (popularity.get(i) ?? 0) * 10;
      const list = lists[ch] as Candidate[];
      if (
        list.length >= perChapter &&
        (key < (floorKey[ch] as number) ||
          (key === floorKey[ch] && entry.rank > (floorRank[ch] as number)))
      ) {
        continue;
      }
      insertBounded(
        list,
        { index: i, key, rank: entry.rank, chapter: CHAPTERS[ch] as Chapter, followed },
        perChapter,
      );
      if (list.length >= perChapter) {
        const last = list[list.length - 1] as Candidate;
        floorKey[ch] = last.key;
        floorRank[ch] = last.rank;
      }
    }
    const order = lists.flat().sort(byKey).slice(0, caps.total);
    const byChapter = new Map<Chapter, number>();
    totals.forEach((t, k) => {
      if (t) byChapter.set(CHAPTERS[k] as Chapter, t);
    });
    return { order, totals: byChapter, matched };
  }

  private bitsOf(data: PeriodData): PeriodBits {
    if (data.bits) return data.bits;
    const n = data.index.papers.length;
    const words = (n + 31) >>> 5;
    const chapters = CHAPTERS.map(() => new Uint32Array(words));
    const multi = new Uint32Array(words);
    for (let i = 0; i < n; i++) {
      const bit = 1 << (i & 31);
      const w = i >>> 5;
      const set = chapters[data.chapterIdx[i] as number] as Uint32Array;
      set[w] = (set[w] as number) | bit;
      if (data.multi[i]) multi[w] = (multi[w] as number) | bit;
    }
    const topicNumber = new Map<string, number>();
    const topicChapter: number[] = [];
    const topicStart = new Int32Array(n + 1);
    const list: number[] = [];
    data.index.papers.forEach((e, i) => {
      topicStart[i] = list.length;
      for (const t of e.topics) {
        let k = topicNumber.get(t);
        if (k === undefined) {
          k = topicNumber.size;
          topicNumber.set(t, k);
          const own = data.index.chapterOf(t);
          topicChapter.push(own ? (CHAPTER_INDEX.get(own) ?? -1) : -1);
        }
        list.push(k);
      }
    });
    topicStart[n] = list.length;
    data.bits = {
      words,
      chapters,
      multi,
      topicNumber,
      topicStart,
      topicList: Int32Array.from(list),
      topicChapter: Int8Array.from(topicChapter),
      subs: new Map(),
    };
    return data.bits;
  }

  private subBits(data: PeriodData, bits: PeriodBits, sub: Subscription): Uint32Array {
    const key = `${sub.kind}:${sub.value}`;
    let set = bits.subs.get(key);
    if (!set) {
      set = bitsetOf(data.index.matching(sub), bits.words);
      bits.subs.set(key, set);
    }
    return set;
  }

  /** The period's papers by their best possible key, best first (per popularity map). */
  private orderOf(data: PeriodData, bits: PeriodBits, bonus: Map<number, number> | undefined) {
    if (bits.order && bits.order.bonus === bonus) return bits.order;
    const n = data.index.papers.length;
    const upper = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      upper[i] = (data.baseKey[i] as number) + MAX_MATCH_BONUS + (bonus?.get(i) ?? 0) * 10;
    }
    // Without popularity the key order is the period's rank (both by 推荐指数 first).
    let list = data.index.byRank;
    if (bonus?.size) {
      const rank = (i: number) => (data.index.papers[i] as IndexedPaper).rank;
      list = Int32Array.from(list).sort(
        (a, b) => (upper[b] as number) - (upper[a] as number) || rank(a) - rank(b),
      );
    }
    bits.order = { bonus, list, upper };
    return bits.order;
  }

  /** ranked() for subscriptions without personal ranking, over the period's bitsets. */
  private rankedBySets(
    data: PeriodData,
    subs: Subscription[],
    popularity: Map<number, number> | undefined,
    caps: ReportCaps,
  ): Ranked {
    const { index, baseKey, chapterIdx } = data;
    const bits = this.bitsOf(data);
    const words = bits.words;
    const sets = subs.map((s) => this.subBits(data, bits, s));
    const union = new Uint32Array(words);
    for (const set of sets)
      for (let w = 0; w < words; w++) union[w] = (union[w] as number) | (set[w] as number);
    const totals = new Int32Array(CHAPTERS.length);
    let matched = 0;
    CHAPTERS.forEach((_, c) => {
      const mask = bits.chapters[c] as Uint32Array;
      let t = 0;
      for (let w = 0; w < words; w++) t += popcount((union[w] as number) & (mask[w] as number));
      totals[c] = t;
      matched += t;
    });
    // A multi-chapter paper goes to the chapter of the first topic the chat subscribed to
    // that it has (as in the general path): only papers a topic subscription matched move.
    const topicSubs = subs.filter((s) => s.kind === "topic");
    const moved = new Map<number, number>();
    if (topicSubs.length) {
      const { topicStart, topicList, topicChapter } = bits;
      const subscribed = new Uint8Array(topicChapter.length);
      for (const s of topicSubs) {
        const k = bits.topicNumber.get(s.value);
        if (k !== undefined) subscribed[k] = 1;
      }
      const topicUnion = new Uint32Array(words);
      for (const s of topicSubs) {
        const set = this.subBits(data, bits, s);
        for (let w = 0; w < words; w++)
          topicUnion[w] = (topicUnion[w] as number) | (set[w] as number);
      }
      for (let w = 0; w < words; w++) {
        let x = (topicUnion[w] as number) & (bits.multi[w] as number);
        while (x !== 0) {
          const low = x & -x;
          x ^= low;
          const i = (w << 5) + 31 - Math.clz32(low);
          const own0 = chapterIdx[i] as number;
          let ch = own0;
          const end = topicStart[i + 1] as number;
          for (let k = topicStart[i] as number; k < end; k++) {
            const t = topicList[k] as number;
            if (subscribed[t] && (topicChapter[t] as number) >= 0) {
              ch = topicChapter[t] as number;
              break;
            }
          }
          if (ch !== own0) {
            totals[own0] = (totals[own0] as number) - 1;
            totals[ch] = (totals[ch] as number) + 1;
            moved.set(i, ch);
          }
        }
      }
    }
    const byChapter = new Map<Chapter, number>();
    totals.forEach((t, k) => {
      if (t) byChapter.set(CHAPTERS[k] as Chapter, t);
    });
    const perChapter = caps.perChapter;
    if (perChapter === 0 || matched === 0) return { order: [], totals: byChapter, matched };

    // Walk the period's papers by their best possible key; stop once every chapter has seen
    // all its matches or holds its cap with a worst key that beats anything still ahead.
    const lists: Candidate[][] = CHAPTERS.map(() => []);
    const seenIn = new Int32Array(CHAPTERS.length);
    const { list: order, upper } = this.orderOf(data, bits, popularity);
    const settled = (ahead: number) =>
      lists.every((l, c) => {
        if (seenIn[c] === totals[c]) return true;
        const worst = l.length >= perChapter ? l[l.length - 1] : undefined;
        return worst !== undefined && worst.key > ahead;
      });
    let last = Number.NaN;
    const movedAny = moved.size > 0;
    for (let p = 0; p < order.length; p++) {
      const i = order[p] as number;
      if (((union[i >>> 5] as number) & (1 << (i & 31))) === 0) continue;
      const ahead = upper[i] as number;
      if (ahead !== last) {
        if (settled(ahead)) break;
        last = ahead;
      }
      const ch = movedAny ? (moved.get(i) ?? (chapterIdx[i] as number)) : (chapterIdx[i] as number);
      seenIn[ch] = (seenIn[ch] as number) + 1;
      const list = lists[ch] as Candidate[];
      const worst = list.length >= perChapter ? list[list.length - 1] : undefined;
      if (worst && worst.key > ahead) continue;
      let count = 0;
      for (let k = 0; k < sets.length; k++) if (hasBit(sets[k] as Uint32Array, i)) count++;
      let key = (baseKey[i] as number) + (count > 9 ? 9 : count) / 10;
      if (popularity) key += (popularity.get(i) ?? 0) * 10;
      const rank = (index.papers[i] as IndexedPaper).rank;
      if (worst && (key < worst.key || (key === worst.key && rank > worst.rank))) continue;
      insertBounded(
        list,
        { index: i, key, rank, chapter: CHAPTERS[ch] as Chapter, followed: false },
        perChapter,
      );
    }
    return { order: lists.flat().sort(byKey).slice(0, caps.total), totals: byChapter, matched };
  }

  /** Per-chapter match counts of the previous period, or null when it is not fully stored. */
  private previousCounts(period: Period, subs: Subscription[] | null): Map<Chapter, number> | null {
    const prev = previousPeriod(period);
    const data = this.data(prev);
    if (data.missingDates.length > 0 || !data.ended) return null;
    return this.ranked(prev, subs, undefined, undefined, { perChapter: 0, total: 0 }).totals;
  }

  private assemble(
    period: Period,
    subs: Subscription[] | null,
    opts: SelectOptions,
    popularity: Map<string, PaperPopularity> | undefined,
    status: SignalStatus[],
  ): Report {
    const data = this.data(period);
    const caps = opts.caps ?? DEFAULT_CAPS[period.kind];
    const bonus = popularity?.size ? this.bonusByIndex(data, popularity) : undefined;
    const { order, totals, matched } = this.ranked(period, subs, opts.chat, bonus, caps);
    const buckets = new Map<Chapter, ReportItem[]>();
    for (const c of order) {
      const entry = data.index.papers[c.index];
      if (!entry) continue;
      const affiliations = this.deps.affiliations?.affiliationsOf(entry.paper.id);
      data.lines ??= new Map();
      let lines = data.lines.get(c.index);
      const affKey = affiliations === undefined ? "?" : `=${affiliations.join("\u0000")}`;
      if (!lines || lines.affiliations !== affKey) {
        lines = {
          headline: headlineOf(entry.paper, entry.card, affiliations),
          sentences: sentencesOf(entry.card),
          affiliations: affKey,
        };
        data.lines.set(c.index, lines);
      }
      const bucket = buckets.get(c.chapter) ?? [];
      bucket.push({
        paper: entry.paper,
        card: entry.card,
        chapter: c.chapter,
        headline: lines.headline,
        sentences: [...lines.sentences],
        popularity: popularity?.get(entry.paper.id),
        followed: c.followed,
      });
      buckets.set(c.chapter, bucket);
    }
    const previous = data.unseen ? null : this.previousCounts(period, subs);
    const chapters: ReportChapter[] = CHAPTERS.map((chapter) => ({
      chapter,
      total: totals.get(chapter) ?? 0,
      previous: previous ? (previous.get(chapter) ?? 0) : null,
      items: buckets.get(chapter) ?? [],
    }));
    const signals: Report["signals"] = ["score"];
    if (subs !== null) signals.push("match");
    if (opts.chat !== undefined && this.deps.ranking) signals.unshift("ranking");
    const values = [...(popularity?.values() ?? [])];
    const hfFailed = status.some((s) => s.source === "hf" && s.state === "failed");
    const ghFailed = status.some((s) => s.source === "github" && s.state === "failed");
    if (values.some((v) => v.upvotes !== undefined) && !hfFailed) signals.push("hf");
    if (values.some((v) => v.stars !== undefined) && !ghFailed) signals.push("github");
    return {
      period,
      label: periodLabel(period),
      seen: data.index.papers.length,
      matched,
      missingDates: data.missingDates,
      unseen: data.unseen,
      ended: data.ended,
      chapters,
      signals,
      signalNotes: status.filter((s) => s.state === "failed" || s.state === "partial"),
      keywords:
        subs === null
          ? this.periodKeywords(data)
          : topKeywords(chapters.flatMap((c) => c.items.map((it) => it.card))),
      scope: subs === null ? "all" : "chat",
    };
  }
}

/** The most frequent card keywords (case-folded), for the header and the chart. */
export function topKeywords(
  cards: readonly Card[],
  n = KEYWORDS,
): { word: string; count: number }[] {
  const counts = new Map<string, { word: string; count: number }>();
  for (const card of cards) {
    for (const k of new Set(card.keywords.map((w) => w.trim()).filter(Boolean))) {
      const key = k.toLowerCase();
      const hit = counts.get(key);
      if (hit) hit.count++;
      else counts.set(key, { word: k, count: 1 });
    }
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : 1))
    .slice(0, n);
}
