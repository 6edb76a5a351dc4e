/**
 * Selection of a 周报 / 月报: over a period's announcements, the papers a chat's
 * subscriptions match (each paper once, whatever versions or cross-lists it had), ranked as
 * the daily digest ranks them (followed authors, then the learned ranking or the card's
 * 推荐指数, then how many subscriptions matched) with popularity added as a roll-up signal,
 * grouped into the taxonomy's chapters in the seed's order and capped per chapter and in total.
 *
 * Follows are the chat's author subscriptions; mutes, the minimum score and the learned model
 * come from an optional, batched RankingProvider and affiliations from an AffiliationProvider,
 * so this works the same with or without them. Every chat takes the same bitset path over the
 * period's compact index (./period-index.ts); only a chat with a learned model has its matched
 * papers scored one by one.
 */

import type { Card } from "../store/card.ts";
import type { CardStore } from "../store/cards.ts";
import type { Paper } from "../store/paper.ts";
import type { PaperStore } from "../store/papers.ts";
import type { ReportStore } from "../store/reports.ts";
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
import { type PeriodIndex, PeriodIndexBuilder } from "./period-index.ts";
import {
  type PaperPopularity,
  type PopularityService,
  popularityBonus,
  type SignalStatus,
} from "./popularity.ts";

/** A chat's personal filters, as the daily digest applies them (PersonalStore's ChatFilters). */
export interface ChatFilters {
  /** folded phrases (NFKC, lower case, simplified) */
  mutes: readonly string[];
  /** 1–5, or null for none */
  minScore: number | null;
}

/**
 * Issue 14's personal ranking, batched. Followed authors need no provider: they are the
 * chat's `author` subscriptions, pinned first. Only chats with a learned model leave the
 * shared fast path, and each of those costs one call for all its matched papers.
 */
export interface RankingProvider {
  /** mutes and minimum scores of many chats at once (chats without any may be left out) */
  filtersFor?(chats: readonly number[]): ReadonlyMap<number, ChatFilters>;
  /** whether the chat has a learned model */
  hasModel?(chat: number): boolean;
  /** the chat's learned scores (1–5 scale) for its matched papers, used instead of 推荐指数 */
  learnedScores?(chat: number, papers: readonly Paper[]): ReadonlyMap<string, number>;
}

/** Affiliations from the deep-read card, when known; never guessed. */
export interface AffiliationProvider {
  /** known affiliations of these papers (papers without any are left out) */
  affiliationsOf(paperIds: readonly string[]): ReadonlyMap<string, readonly string[]>;
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
  papers: Pick<PaperStore, "ingestRun" | "getMany">;
  cards: Pick<CardStore, "bestMany">;
  /** an announcement's papers with their best cards, row by row (ReportStore fits) */
  listing: Pick<ReportStore, "listedWithCards" | "phrases">;
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
  /**
   * the chat's mutes and minimum score when the caller read them in bulk (a scheduler chunk);
   * otherwise the ranking provider is asked for this one chat
   */
  filters?: ChatFilters | null;
  /** whether the chat has a learned model, when the caller asked already */
  model?: boolean;
  caps?: ReportCaps;
  /**
   * fetch: ask the popularity sources for this shortlist (on demand, CLI); cached: read only
   * what is cached (the scheduler's bulk run, after one prefetch); off: no popularity
   */
  popularity?: "fetch" | "cached" | "off";
}

/** A paper as a report shows it, loaded from the store when first selected. */
interface Shown {
  paper: Paper;
  card: Card;
  headline: string;
  sentences: string[];
}

/** One period's papers, indexed once for every chat. */
interface PeriodData {
  period: Period;
  index: PeriodIndex;
  /** cached popularity of the period's papers (bulk runs read it once) */
  cachedPopularity?: Map<string, PaperPopularity>;
  /** the last popularity map turned into bonuses by index (shared by a bulk run's chats) */
  bonus?: { source: Map<string, PaperPopularity>; byIndex: Map<number, number> };
  /** when it was indexed (ms): reused for CACHE_MS, so a long-lived process sees new days */
  at: number;
  dates: string[];
  missingDates: string[];
  unseen: boolean;
  ended: boolean;
  /** the top keywords of every paper of the period, once asked for */
  keywords?: { word: string; count: number }[];
  /** the papers reports showed, by index (the same paper shows in many chats' reports) */
  shown: Map<number, Shown>;
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
  /** subscription ("kind:value"), mute ("mute:phrase") or minimum score ("min:N") → papers */
  sets: Map<string, Uint32Array>;
  /**
   * scratch for one ranked() call: the chapter each paper two topic groups share goes to
   * (valid where that call's `dup` set has the paper)
   */
  dupChapter: Uint8Array;
  /** paper indexes by their best possible key (score + popularity), then the period's rank */
  order?: { bonus: Map<number, number> | undefined; list: Int32Array; upper: Float64Array };
}

/** The most a paper's key gains from the number of subscriptions matching it. */
const MAX_MATCH_BONUS = 0.9;
/** What a followed author's paper gains: it ranks before every other. */
const FOLLOWED = 10_000;
/** Papers a period keeps loaded for reports (bounds memory; the hot ones stay). */
const SHOWN_LIMIT = 4_000;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** How many bits of `set` are set among bits lo .. hi-1. */
function countRange(set: Uint32Array, lo: number, hi: number): number {
  if (lo >= hi) return 0;
  const first = lo >>> 5;
  const last = (hi - 1) >>> 5;
  const head = -1 << (lo & 31);
  const tailBit = (hi - 1) & 31;
  const tail = tailBit === 31 ? -1 : (1 << (tailBit + 1)) - 1;
  if (first === last) return popcount((set[first] as number) & head & tail);
  let n = popcount((set[first] as number) & head) + popcount((set[last] as number) & tail);
  for (let w = first + 1; w < last; w++) n += popcount(set[w] as number);
  return n;
}

function bitsetOf(indexes: Iterable<number>, words: number): Uint32Array {
  const set = new Uint32Array(words);
  for (const i of indexes) set[i >>> 5] = (set[i >>> 5] as number) | (1 << (i & 31));
  return set;
}

const hasBit = (set: Uint32Array, i: number) => ((set[i >>> 5] as number) & (1 << (i & 31))) !== 0;

/** Calls `visit` with every index set in `set` (ascending). */
function eachBit(set: Uint32Array, visit: (i: number) => void): void {
  for (let w = 0; w < set.length; w++) {
    let x = set[w] as number;
    while (x !== 0) {
      const low = x & -x;
      x ^= low;
      visit((w << 5) + 31 - Math.clz32(low));
    }
  }
}

const SHORTLIST_FACTOR = 3;
/** A chapter with at most this many times its cap in matches is ranked paper by paper. */
const DIRECT_FACTOR = 4;

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
  /** whether the chat's learned model ranked it */
  model: boolean;
}

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

/**
 * The first `total` items of lists each sorted by `compare`: what sorting them all together
 * would give when `compare` orders every item (a chapter's candidates are ordered by key and
 * the period's rank), without building and sorting one array per chat.
 */
export function mergeSorted<T>(
  lists: readonly (readonly T[])[],
  total: number,
  compare: (a: T, b: T) => number,
): T[] {
  const out: T[] = [];
  const at = new Int32Array(lists.length);
  while (out.length < total) {
    let from = -1;
    let best: T | undefined;
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k] as readonly T[];
      const i = at[k] as number;
      if (i < list.length && (from < 0 || compare(list[i] as T, best as T) < 0)) {
        best = list[i];
        from = k;
      }
    }
    if (from < 0) break;
    out.push(best as T);
    at[from] = (at[from] as number) + 1;
  }
  return out;
}

const CACHE_MS = 10 * 60_000;
const KEYWORDS = 8;

/** A paper's rule-based topics, best first, and how strongly the best one matched. */
function ruleTopicsOf(paper: Paper, taxonomy: Taxonomy): { ids: string[]; score: number } {
  const matches = matchTopics(paper, taxonomy);
  return { ids: matches.map((m) => m.topic.id), score: matches[0]?.score ?? 0 };
}

export class ReportBuilder {
  private readonly taxonomy: Taxonomy;
  private readonly now: () => number;
  private readonly cache = new Map<string, PeriodData>();

  constructor(private readonly deps: ReportBuilderDeps) {
    this.taxonomy = deps.taxonomy ?? loadTaxonomy();
    this.now = deps.now ?? Date.now;
  }

  /**
   * The personal filters of these chats (mutes, minimum score), read in one call; chats
   * without any are left out.
   */
  filtersFor(chats: readonly number[]): ReadonlyMap<number, ChatFilters> {
    return this.deps.ranking?.filtersFor?.(chats) ?? new Map();
  }

  /**
   * Whether a chat's report depends on more than its subscriptions (filters or a learned
   * model): such a chat never shares a report with another chat.
   */
  isPersonal(chat: number, filters: ChatFilters | null | undefined, model?: boolean): boolean {
    const f = filters === undefined ? this.filtersFor([chat]).get(chat) : filters;
    if (f && (f.mutes.length > 0 || f.minScore !== null)) return true;
    return model ?? this.hasModel(chat);
  }

  /** Whether the chat has a learned model (then its matched papers are scored by it). */
  hasModel(chat: number): boolean {
    return this.deps.ranking?.hasModel?.(chat) ?? false;
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
    const missingDates: string[] = [];
    const listing = this.deps.listing;
    const builder = new PeriodIndexBuilder({
      taxonomy: this.taxonomy,
      ruleTopics: (p) => ruleTopicsOf(p, this.taxonomy),
      fallback: (p, ids) => fallbackCard(p, ids),
      // the phrases chats subscribe to, follow or mute now: the texts they are matched
      // against are read once here and not kept
      phrases: listing.phrases(),
      reread: function* () {
        for (const date of published) yield* listing.listedWithCards(date);
      },
    });
    // One paper at a time: each Paper and Card is dropped as soon as it is indexed, so they
    // die young instead of filling the old generation with a month of garbage.
    for (const date of published) {
      let listed = 0;
      for (const { paper, card } of listing.listedWithCards(date)) {
        builder.add(paper, card);
        listed++;
      }
      if (listed === 0 && !this.deps.papers.ingestRun(date)) missingDates.push(date);
    }
    const data: PeriodData = {
      period,
      at: now,
      index: builder.finish(),
      dates,
      missingDates,
      unseen: published.length > 0 && missingDates.length === published.length,
      ended: published.length === dates.length,
      shown: new Map(),
    };
    if (this.cache.size >= 4) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(period.key, data);
    return data;
  }

  /** The period's papers (distinct), for a popularity prefetch before a bulk run. */
  topOfPeriod(period: Period, n: number): { id: string; codeUrl: string | null }[] {
    const { index } = this.data(period);
    return [...index.byRank.slice(0, n)].map((i) => ({
      id: index.ids[i] as string,
      codeUrl: index.codeUrls.get(i) ?? null,
    }));
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
    const shortlist = this.shortlist(period, subs, opts, caps);
    const gathered = await this.deps.popularity.gather(this.data(period).dates, shortlist);
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
    data.cachedPopularity ??= pop.cachedAll(
      data.index.ids.map((id, i) => ({ id, codeUrl: data.index.codeUrls.get(i) ?? null })),
    );
    return this.assemble(period, subs, opts, data.cachedPopularity, []);
  }

  /** The top keywords of every paper of the period, computed once per indexed period. */
  private periodKeywords(data: PeriodData): { word: string; count: number }[] {
    data.keywords ??= [...data.index.keywordCounts.values()]
      .sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : 1))
      .slice(0, KEYWORDS);
    return data.keywords;
  }

  /** Popularity bonuses by paper index, for the ranking loop. */
  private bonusByIndex(
    data: PeriodData,
    popularity: Map<string, PaperPopularity>,
  ): Map<number, number> {
    if (data.bonus?.source === popularity) return data.bonus.byIndex;
    const byIndex = new Map<number, number>();
    for (const [id, p] of popularity) {
      const i = data.index.indexOf(id);
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
    opts: SelectOptions,
    caps: ReportCaps,
  ): { id: string; codeUrl: string | null }[] {
    const wide = {
      perChapter: caps.perChapter * SHORTLIST_FACTOR,
      total: caps.total * SHORTLIST_FACTOR,
    };
    const data = this.data(period);
    return this.ranked(data, subs, opts, undefined, wide).order.map((c) => ({
      id: data.index.ids[c.index] as string,
      codeUrl: data.index.codeUrls.get(c.index) ?? null,
    }));
  }

  private bitsOf(data: PeriodData): PeriodBits {
    if (data.bits) return data.bits;
    const { index } = data;
    const words = (index.size + 31) >>> 5;
    const chapters = CHAPTERS.map(() => new Uint32Array(words));
    for (let i = 0; i < index.size; i++) {
      const bit = 1 << (i & 31);
      const w = i >>> 5;
      const set = chapters[index.chapterIdx[i] as number] as Uint32Array;
      set[w] = (set[w] as number) | bit;
    }
    data.bits = { words, chapters, sets: new Map(), dupChapter: new Uint8Array(index.size) };
    return data.bits;
  }

  private setOf(data: PeriodData, key: string, indexes: () => Iterable<number>): Uint32Array {
    const bits = this.bitsOf(data);
    let set = bits.sets.get(key);
    if (!set) {
      set = bitsetOf(indexes(), bits.words);
      bits.sets.set(key, set);
    }
    return set;
  }

  private subSet(data: PeriodData, sub: Pick<Subscription, "kind" | "value">): Uint32Array {
    return this.setOf(data, `${sub.kind}:${sub.value}`, () => data.index.matching(sub));
  }

  /** Papers a chat's filters leave out: muted ones and those under its minimum score. */
  private excludedSet(data: PeriodData, filters: ChatFilters): Uint32Array | undefined {
    const { index } = data;
    const parts: Uint32Array[] = filters.mutes.map((m) =>
      this.setOf(data, `mute:${m}`, () => index.muted(m)),
    );
    const min = filters.minScore;
    if (min !== null) {
      parts.push(
        this.setOf(data, `min:${min}`, function* () {
          for (let i = 0; i < index.size; i++) if ((index.score[i] as number) < min) yield i;
        }),
      );
    }
    if (parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    const out = new Uint32Array(this.bitsOf(data).words);
    for (const set of parts)
      for (let w = 0; w < out.length; w++) out[w] = (out[w] as number) | (set[w] as number);
    return out;
  }

  /** The period's papers by their best possible key, best first (per popularity map). */
  private orderOf(data: PeriodData, bits: PeriodBits, bonus: Map<number, number> | undefined) {
    if (bits.order && bits.order.bonus === bonus) return bits.order;
    const { index } = data;
    const upper = new Float64Array(index.size);
    for (let i = 0; i < index.size; i++) {
      upper[i] = (index.baseKey[i] as number) + MAX_MATCH_BONUS + (bonus?.get(i) ?? 0) * 10;
    }
    const rank = index.rankOf;
    const list = Int32Array.from(index.byRank).sort(
      (a, b) =>
        (upper[b] as number) - (upper[a] as number) || (rank[a] as number) - (rank[b] as number),
    );
    bits.order = { bonus, list, upper };
    return bits.order;
  }

  /**
   * The chat's matched papers: how many per chapter, and the best of each chapter (at most
   * `perChapter`), merged best first and cut at `total`. Everything is bitset arithmetic over
   * the period's shared sets; without a learned model only the best papers are ever looked
   * at one by one (a walk down the period's order that stops once every chapter is settled),
   * with one the chat's matched papers are scored in one call to the provider.
   */
  private ranked(
    data: PeriodData,
    subs: Subscription[] | null,
    opts: SelectOptions,
    popularity: Map<number, number> | undefined,
    caps: ReportCaps,
  ): Ranked {
    const { index } = data;
    const bits = this.bitsOf(data);
    const words = bits.words;
    const all = subs === null;
    const sets = (subs ?? []).map((s) => this.subSet(data, s));
    const union = new Uint32Array(words);
    if (all) {
      for (const set of bits.chapters)
        for (let w = 0; w < words; w++) union[w] = (union[w] as number) | (set[w] as number);
    } else {
      for (const set of sets)
        for (let w = 0; w < words; w++) union[w] = (union[w] as number) | (set[w] as number);
    }
    // Followed authors are the chat's author subscriptions: pinned first, never filtered out.
    const authorSets = (subs ?? []).flatMap((s, k) => (s.kind === "author" ? [sets[k]] : []));
    let followed: Uint32Array | undefined;
    if (authorSets.length) {
      followed = new Uint32Array(words);
      for (const set of authorSets)
        for (let w = 0; w < words; w++)
          followed[w] = (followed[w] as number) | ((set as Uint32Array)[w] as number);
    }
    const chat = opts.chat;
    const personal = chat !== undefined && !all;
    const filters = personal
      ? opts.filters === undefined
        ? this.filtersFor([chat]).get(chat)
        : opts.filters
      : undefined;
    const excluded = filters ? this.excludedSet(data, filters) : undefined;
    const model = personal && (opts.model ?? this.hasModel(chat));
    if (excluded) {
      for (let w = 0; w < words; w++) {
        const keep = ~(excluded[w] as number) | (followed ? (followed[w] as number) : 0);
        union[w] = (union[w] as number) & keep;
      }
    }

    // A multi-chapter paper goes to the chapter of the first topic the chat subscribed to
    // that it has. The chat's topic subscriptions grouped by chapter (the matched papers of
    // each group), and `dup`: the papers two groups share, the only ones looked at one by one.
    const { topicStart, topicList, topicChapter } = index;
    const subscribed = new Uint8Array(topicChapter.length);
    const groups = new Map<number, Uint32Array>();
    for (const s of subs ?? []) {
      if (s.kind !== "topic") continue;
      const k = index.topicNumber.get(s.value);
      const c = k === undefined ? -1 : (topicChapter[k] as number);
      if (c < 0) continue;
      subscribed[k as number] = 1;
      let g = groups.get(c);
      if (!g) {
        g = new Uint32Array(words);
        groups.set(c, g);
      }
      const set = this.subSet(data, s);
      for (let w = 0; w < words; w++)
        g[w] = (g[w] as number) | ((set[w] as number) & (union[w] as number));
    }
    let dup: Uint32Array | undefined;
    if (groups.size > 1) {
      const seen = new Uint32Array(words);
      dup = new Uint32Array(words);
      for (const g of groups.values()) {
        for (let w = 0; w < words; w++) {
          dup[w] = (dup[w] as number) | ((seen[w] as number) & (g[w] as number));
          seen[w] = (seen[w] as number) | (g[w] as number);
        }
      }
    }
    const firstSubscribed = (i: number) => {
      const end = topicStart[i + 1] as number;
      for (let k = topicStart[i] as number; k < end; k++) {
        const t = topicList[k] as number;
        if (subscribed[t]) return topicChapter[t] as number;
      }
      return index.chapterIdx[i] as number;
    };
    // Counts per chapter: a paper matched by subscribed topics of one chapter only counts there
    // (whole sets, by popcounts); one with subscribed topics in two chapters, by its own
    // topics' order; every other paper in its own chapter.
    const totals = new Int32Array(CHAPTERS.length);
    const groupChapter: number[] = [];
    const groupSet: Uint32Array[] = [];
    const rest = Uint32Array.from(union);
    for (const [c, g] of groups) {
      groupChapter.push(c);
      groupSet.push(g);
      let n = 0;
      for (let w = 0; w < words; w++) {
        rest[w] = (rest[w] as number) & ~(g[w] as number);
        n += popcount((g[w] as number) & ~(dup ? (dup[w] as number) : 0));
      }
      totals[c] = (totals[c] as number) + n;
    }
    for (let c = 0; c < CHAPTERS.length; c++) {
      const lo = index.chapterStart[c] as number;
      totals[c] = (totals[c] as number) + countRange(rest, lo, index.chapterStart[c + 1] as number);
    }
    // each shared paper's chapter, worked out once here and read again while ranking
    const dupChapter = bits.dupChapter;
    if (dup) {
      eachBit(dup, (i) => {
        const ch = firstSubscribed(i);
        dupChapter[i] = ch;
        totals[ch] = (totals[ch] as number) + 1;
      });
    }
    let matched = 0;
    for (let c = 0; c < CHAPTERS.length; c++) matched += totals[c] as number;
    const movedAny = groups.size > 0;
    const chapterIdx = index.chapterIdx;
    const byChapter = new Map<Chapter, number>();
    totals.forEach((t, k) => {
      if (t) byChapter.set(CHAPTERS[k] as Chapter, t);
    });
    const perChapter = caps.perChapter;
    if (perChapter === 0 || matched === 0) return { order: [], totals: byChapter, matched, model };

    const chapterOf = movedAny
      ? (i: number) => {
          if (dup && hasBit(dup, i)) return dupChapter[i] as number;
          for (let k = 0; k < groupSet.length; k++)
            if (hasBit(groupSet[k] as Uint32Array, i)) return groupChapter[k] as number;
          return chapterIdx[i] as number;
        }
      : (i: number) => index.chapterIdx[i] as number;
    const lists: Candidate[][] = CHAPTERS.map(() => []);
    const learned = model ? this.learned(data, chat as number, union) : undefined;
    // Followed authors first, then the learned score or 推荐指数 (+ popularity), then how
    // many subscriptions matched, then the period's own ranking.
    const keyOf = (i: number) => {
      let count = 0;
      if (all) count = 1;
      else for (let k = 0; k < sets.length; k++) if (hasBit(sets[k] as Uint32Array, i)) count++;
      const score = learned?.get(i);
      let key =
        (score === undefined ? (index.baseKey[i] as number) : score * 10) +
        (count > 9 ? 9 : count) / 10;
      if (popularity) key += (popularity.get(i) ?? 0) * 10;
      if (followed && hasBit(followed, i)) key += FOLLOWED;
      return key;
    };
    const consider = (i: number, ch: number) => {
      const list = lists[ch] as Candidate[];
      const key = keyOf(i);
      const rank = index.rankOf[i] as number;
      const worst = list.length >= perChapter ? list[list.length - 1] : undefined;
      if (worst && (key < worst.key || (key === worst.key && rank > worst.rank))) return;
      const isFollowed = followed !== undefined && hasBit(followed, i);
      insertBounded(
        list,
        { index: i, key, rank, chapter: CHAPTERS[ch] as Chapter, followed: isFollowed },
        perChapter,
      );
    };

    // Chapters with few matches, every paper of a learned order, and followed papers are
    // taken directly; only the other chapters walk the period's order (a chapter with few
    // matches would walk it nearly to the end before its worst paper is known).
    const walk = new Uint8Array(CHAPTERS.length);
    if (!learned) {
      for (let c = 0; c < CHAPTERS.length; c++)
        walk[c] = (totals[c] as number) > perChapter * DIRECT_FACTOR ? 1 : 0;
    }
    const walking = walk.some((x) => x === 1);
    const direct = new Uint32Array(words);
    totals.forEach((_, c) => {
      if (walk[c]) return;
      const mask = bits.chapters[c] as Uint32Array;
      for (let w = 0; w < words; w++) direct[w] = (direct[w] as number) | (mask[w] as number);
    });
    if (followed)
      for (let w = 0; w < words; w++) direct[w] = (direct[w] as number) | (followed[w] as number);
    if (movedAny) {
      // papers moved into a chapter taken directly
      for (const [c, g] of groups) {
        if (walk[c]) continue;
        for (let w = 0; w < words; w++) direct[w] = (direct[w] as number) | (g[w] as number);
      }
      if (dup)
        for (let w = 0; w < words; w++) direct[w] = (direct[w] as number) | (dup[w] as number);
    }
    for (let w = 0; w < words; w++) direct[w] = (direct[w] as number) & (union[w] as number);
    eachBit(direct, (i) => {
      const ch = chapterOf(i);
      if (!walk[ch] || (followed && hasBit(followed, i))) consider(i, ch);
    });
    if (walking) {
      const { list: order, upper } = this.orderOf(data, bits, popularity);
      let last = Number.NaN;
      const settled = (ahead: number) => {
        for (let c = 0; c < CHAPTERS.length; c++) {
          if (!walk[c]) continue;
          const l = lists[c] as Candidate[];
          const worst = l.length >= perChapter ? l[l.length - 1] : undefined;
          if (worst === undefined || worst.key <= ahead) return false;
        }
        return true;
      };
      for (let p = 0; p < order.length; p++) {
        const i = order[p] as number;
        if (((union[i >>> 5] as number) & (1 << (i & 31))) === 0) continue;
        const ahead = upper[i] as number;
        if (ahead !== last) {
          if (settled(ahead)) break;
          last = ahead;
        }
        const ch = chapterOf(i);
        if (!walk[ch] || (followed && hasBit(followed, i))) continue;
        const list = lists[ch] as Candidate[];
        const worst = list.length >= perChapter ? list[list.length - 1] : undefined;
        if (worst && worst.key > ahead) continue;
        consider(i, ch);
      }
    }
    return {
      order: mergeSorted(lists, caps.total, byKey),
      totals: byChapter,
      matched,
      model,
    };
  }

  /** The chat's learned scores (1–5) of its matched papers, by index, in one provider call. */
  private learned(data: PeriodData, chat: number, union: Uint32Array): Map<number, number> {
    const indexes: number[] = [];
    eachBit(union, (i) => indexes.push(i));
    const papers = this.deps.papers.getMany(indexes.map((i) => data.index.ids[i] as string));
    const scores = this.deps.ranking?.learnedScores?.(chat, papers) ?? new Map();
    const out = new Map<number, number>();
    for (const i of indexes) {
      const s = scores.get(data.index.ids[i] as string);
      if (s !== undefined) out.set(i, s);
    }
    return out;
  }

  /** Per-chapter match counts of the previous period, or null when it is not fully stored. */
  private previousCounts(period: Period, subs: Subscription[] | null): Map<Chapter, number> | null {
    const data = this.data(previousPeriod(period));
    if (data.missingDates.length > 0 || !data.ended) return null;
    return this.ranked(data, subs, {}, undefined, { perChapter: 0, total: 0 }).totals;
  }

  /** The papers and lines of selected indexes, loaded from the store once per period. */
  private shown(data: PeriodData, indexes: readonly number[]): Map<number, Shown> {
    const missing = indexes.filter((i) => !data.shown.has(i));
    if (missing.length > 0) {
      if (data.shown.size + missing.length > SHOWN_LIMIT) data.shown.clear();
      const ids = missing.map((i) => data.index.ids[i] as string);
      const papers = this.deps.papers.getMany(ids);
      const cards = this.deps.cards.bestMany(ids);
      const known = this.deps.affiliations?.affiliationsOf(ids);
      for (const paper of papers) {
        const i = data.index.indexOf(paper.id);
        if (i === undefined) continue;
        const card =
          cards.get(paper.id) ?? fallbackCard(paper, ruleTopicsOf(paper, this.taxonomy).ids);
        data.shown.set(i, {
          paper,
          card,
          headline: headlineOf(paper, card, known?.get(paper.id)),
          sentences: sentencesOf(card),
        });
      }
    }
    return new Map(
      indexes.flatMap((i) => (data.shown.has(i) ? [[i, data.shown.get(i) as Shown]] : [])),
    );
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
    const { order, totals, matched, model } = this.ranked(data, subs, opts, bonus, caps);
    const shown = this.shown(
      data,
      order.map((c) => c.index),
    );
    const buckets = new Map<Chapter, ReportItem[]>();
    for (const c of order) {
      const entry = shown.get(c.index);
      if (!entry) continue;
      const bucket = buckets.get(c.chapter) ?? [];
      bucket.push({
        paper: entry.paper,
        card: entry.card,
        chapter: c.chapter,
        headline: entry.headline,
        sentences: entry.sentences,
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
    if (model) signals.unshift("ranking");
    const values = [...(popularity?.values() ?? [])];
    const hfFailed = status.some((s) => s.source === "hf" && s.state === "failed");
    const ghFailed = status.some((s) => s.source === "github" && s.state === "failed");
    if (values.some((v) => v.upvotes !== undefined) && !hfFailed) signals.push("hf");
    if (values.some((v) => v.stars !== undefined) && !ghFailed) signals.push("github");
    return {
      period,
      label: periodLabel(period),
      seen: data.index.size,
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
