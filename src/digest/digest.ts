/**
 * Digests: for a chat, the papers of an announcement that match its subscriptions and were
 * never sent to it, ranked, capped by its limit, grouped into the taxonomy's chapters and laid
 * out as one RichMessage. "Never sent" is decided by paper id in the outbox, so a new version
 * or a cross-list of a paper a chat already got never comes back.
 */

import { type Block, bold, type RichMessage, span } from "../core/message.ts";
import { DIGEST } from "../core/texts/digest.ts";
import type { Card } from "../store/card.ts";
import type { CardStore } from "../store/cards.ts";
import type { Chat, Density } from "../store/chats.ts";
import type { OutboxStore } from "../store/outbox.ts";
import type { Paper } from "../store/paper.ts";
import type { PaperStore } from "../store/papers.ts";
import type { Subscription, SubscriptionStore } from "../store/subscriptions.ts";
import { fallbackCard } from "../summarise/fallback.ts";
import { subscriptionLabel } from "../topics/labels.ts";
import { matchTopics } from "../topics/match.ts";
import { CHAPTERS, type Chapter, loadTaxonomy, type Taxonomy } from "../topics/taxonomy.ts";
import { cardBlock } from "./card-message.ts";
import { DayIndex, type RuleTopics } from "./day-index.ts";

export interface DigestItem {
  paper: Paper;
  card: Card;
  /** the chat's subscriptions this paper matched (at least one) */
  matched: Subscription[];
}

export interface Digest {
  chat: Chat;
  announceDate: string;
  /** what the message shows, in the message's order (by chapter, then rank) */
  items: DigestItem[];
  /** papers of the day matching the chat's subscriptions, already-sent ones included */
  totalMatched: number;
  message: RichMessage;
}

export interface DigestOptions {
  /** the announcement day; default the latest one stored */
  date?: string;
  /** also show papers already sent to the chat (/digest on demand) */
  includeSent?: boolean;
}

export interface DigestDeps {
  papers: Pick<PaperStore, "announced" | "latestAnnounceDate">;
  cards: Pick<CardStore, "bestMany">;
  subscriptions: Pick<SubscriptionStore, "list" | "forChats">;
  outbox: Pick<OutboxStore, "sentAmong">;
  taxonomy?: Taxonomy;
  /** whether an LLM writes cards in this process (fallback cards say which); default true */
  llm?: boolean;
  /** ms clock for the bulk cache; default Date.now */
  now?: () => number;
  /** how long forChats reuses an indexed day; default 10 minutes */
  bulkCacheMs?: number;
}

/** Rule topics are cached per paper version; the cache is dropped past this size. */
const RULE_CACHE_LIMIT = 50_000;
/** Subscriptions named in a digest header; more are summarised as "等 N 项". */
const HEADER_LABELS = 5;
/** Match counts are kept in bytes; a chat holds at most 50 subscriptions anyway. */
const MAX_MATCHES = 255;
const CHAPTER_ORDER = new Map<Chapter, number>(CHAPTERS.map((c, i) => [c, i]));
/** Blocks are never mutated, so the footer (and chapter headings, per run) are shared. */
const FOOTER: Block = { kind: "footer", lines: [[span(DIGEST.footer)]] };

/**
 * Builds digests from the stores. Holds a cache of rule-based topics (they depend on a paper
 * version's text alone) and the day index of the last bulk run, so it can live as long as the
 * process.
 */
export class DigestService {
  private readonly taxonomy: Taxonomy;
  private readonly ruleCache = new Map<string, RuleTopics>();
  private readonly labels = new Map<string, string>();
  private readonly now: () => number;
  private readonly bulkCacheMs: number;
  private bulk: { day: DayIndex; at: number; blocks: Map<string, Block> } | undefined;
  /** per selection scratch space: how many subscriptions matched each paper of the day */
  private counts = new Uint8Array(0);

  constructor(private readonly deps: DigestDeps) {
    this.taxonomy = deps.taxonomy ?? loadTaxonomy();
    this.now = deps.now ?? Date.now;
    this.bulkCacheMs = deps.bulkCacheMs ?? 10 * 60_000;
  }

  /**
   * The digest for one chat, or null when there is nothing to show: no subscriptions, no
   * announcement stored, or no matching paper that is still unsent (or at all, with
   * includeSent). Always reads the store afresh.
   */
  forChat(chat: Chat, opts: DigestOptions = {}): Digest | null {
    const subs = this.deps.subscriptions.list(chat.id);
    return this.forSubscriptions(chat, subs, opts);
  }

  /**
   * The digest for a chat with the given subscriptions (stored or not: `sudi digest --topics`
   * passes its own). Same null rules as forChat.
   */
  forSubscriptions(chat: Chat, subs: Subscription[], opts: DigestOptions = {}): Digest | null {
    if (subs.length === 0) return null;
    const date = opts.date ?? this.deps.papers.latestAnnounceDate();
    if (!date) return null;
    return this.select(this.index(date), chat, subs, opts.includeSent ?? false, new Map());
  }

  /**
   * Digests for many chats over one announcement day, never-sent papers only (what the
   * scheduler delivers). The day is indexed once, and kept for later calls for the same day
   * for a while (the scheduler asks chunk by chunk), and card blocks are shared between
   * chats, so the cost grows with the papers each chat matches, not with chats × papers.
   * Chats with nothing to send are left out.
   */
  forChats(chats: readonly Chat[], date: string): Digest[] {
    if (chats.length === 0) return [];
    const now = this.now();
    if (!this.bulk || this.bulk.day.date !== date || now - this.bulk.at > this.bulkCacheMs) {
      this.bulk = { day: this.index(date), at: now, blocks: new Map() };
    }
    const { day, blocks } = this.bulk;
    const subsByChat = this.deps.subscriptions.forChats(chats.map((c) => c.id));
    const out: Digest[] = [];
    for (const chat of chats) {
      const subs = subsByChat.get(chat.id);
      if (!subs?.length) continue;
      const digest = this.select(day, chat, subs, false, blocks);
      if (digest) out.push(digest);
    }
    return out;
  }

  /** Forgets the indexed day of bulk runs (call after cards changed, e.g. a summarise run). */
  refresh(): void {
    this.bulk = undefined;
  }

  /** How many papers an announcement day lists (for "nothing matched among N papers"). */
  paperCount(date: string): number {
    return this.deps.papers.announced(date).length;
  }

  private index(date: string): DayIndex {
    const papers = this.deps.papers.announced(date);
    const cards = this.deps.cards.bestMany(papers.map((p) => p.id));
    return new DayIndex(date, papers, cards, (paper, ids) => fallbackCard(paper, ids), {
      taxonomy: this.taxonomy,
      ruleTopics: (paper) => this.ruleTopics(paper),
    });
  }

  private ruleTopics(paper: Paper): RuleTopics {
    const key = `${paper.id}v${paper.version}`;
    const cached = this.ruleCache.get(key);
    if (cached) return cached;
    const matches = matchTopics(paper, this.taxonomy);
    const rules = { ids: matches.map((m) => m.topic.id), score: matches[0]?.score ?? 0 };
    if (this.ruleCache.size >= RULE_CACHE_LIMIT) this.ruleCache.clear();
    this.ruleCache.set(key, rules);
    return rules;
  }

  /**
   * The chat's papers, best first: written cards before fallback cards, then more matched
   * subscriptions, then the day's rank. Only as
   * many as asked for are produced (`take`), scanning the day in rank order once per distinct
   * number of matches, so a chat matching hundreds of papers costs no sort. `release` must be
   * called when done: the match counts live in a buffer shared by every chat.
   */
  private ranked(
    day: DayIndex,
    subs: Subscription[],
  ): { total: number; take: (k: number) => number[]; release: () => void } {
    const n = day.papers.length;
    if (this.counts.length < n) this.counts = new Uint8Array(n);
    const counts = this.counts;
    const touched: number[] = [];
    let most = 0;
    for (const sub of subs) {
      for (const i of day.matching(sub)) {
        const c = counts[i] ?? 0;
        if (c === 0) touched.push(i);
        if (c < MAX_MATCHES) counts[i] = c + 1;
        if (c + 1 > most) most = c + 1;
      }
    }
    // A scan position: the tier (written cards hold ranks [0, day.written), fallback cards the
    // rest), the number of matches being listed, and where in that tier's ranking.
    const tiers: [number, number][] = [
      [0, day.written],
      [day.written, n],
    ];
    let tier = 0;
    let level = most;
    let position = 0;
    const take = (k: number): number[] => {
      const out: number[] = [];
      while (out.length < k && most > 0 && tier < tiers.length) {
        const [from, to] = tiers[tier] as [number, number];
        if (position < from) position = from;
        for (; position < to && out.length < k; position++) {
          const index = day.byRank[position] ?? 0;
          if (counts[index] === level) out.push(index);
        }
        if (position >= to) {
          position = from;
          if (--level === 0) {
            tier++;
            level = most;
            position = 0;
          }
        }
      }
      return out;
    };
    const release = () => {
      for (const i of touched) counts[i] = 0;
    };
    return { total: touched.length, take, release };
  }

  private select(
    day: DayIndex,
    chat: Chat,
    subs: Subscription[],
    includeSent: boolean,
    blocks: Map<string, Block>,
  ): Digest | null {
    const ranking = this.ranked(day, subs);
    const total = ranking.total;
    const limit = Math.max(1, chat.digestLimit);
    let kept: number[] = [];
    try {
      if (total === 0) return null;
      if (includeSent) {
        kept = ranking.take(limit);
      } else {
        // Most chats were sent none of the day's papers: one small outbox query settles it.
        const batch = Math.max(20, limit * 2);
        for (let slice = ranking.take(batch); slice.length > 0; slice = ranking.take(batch)) {
          const ids = slice.map((i) => day.papers[i]?.paper.id ?? "");
          const sent = this.deps.outbox.sentAmong(chat.id, ids);
          slice.forEach((i, k) => {
            if (kept.length < limit && !sent.has(ids[k] ?? "")) kept.push(i);
          });
          if (kept.length >= limit) break;
        }
      }
    } finally {
      ranking.release();
    }
    if (kept.length === 0) return null;
    const items: DigestItem[] = [];
    const body: Block[] = [];
    for (const { chapter, members } of this.chapters(day, kept, subs)) {
      const key = `heading:${chapter}:${members.length}`;
      let heading = blocks.get(key);
      if (!heading) {
        heading = {
          kind: "heading",
          title: [bold(DIGEST.chapter(chapter, members.length))],
          lines: [],
        };
        blocks.set(key, heading);
      }
      body.push(heading);
      for (const { index, matched } of members) {
        const entry = day.papers[index];
        if (!entry) continue;
        items.push({ paper: entry.paper, card: entry.card, matched });
        body.push(
          sharedBlock(blocks, entry.card, chat.density, this.taxonomy, this.deps.llm ?? true),
        );
      }
    }
    const message: RichMessage = {
      blocks: [this.header(day.date, subs, items.length, total), ...body, FOOTER],
    };
    return { chat, announceDate: day.date, items, totalMatched: total, message };
  }

  /**
   * Groups ranked papers by chapter, in the taxonomy's chapter order. A paper goes under the
   * chapter of the first topic the chat subscribed to that it has, else under its own.
   */
  private chapters(
    day: DayIndex,
    kept: number[],
    subs: Subscription[],
  ): { chapter: Chapter; members: { index: number; matched: Subscription[] }[] }[] {
    const buckets: { index: number; matched: Subscription[] }[][] = CHAPTERS.map(() => []);
    for (const index of kept) {
      const entry = day.papers[index];
      if (!entry) continue;
      const matched = subs.filter((s) => day.matches(s, index));
      let chapter = entry.chapter;
      for (const t of entry.topics) {
        const subscribed = matched.some((s) => s.kind === "topic" && s.value === t);
        const own = subscribed ? day.chapterOf(t) : undefined;
        if (own) {
          chapter = own;
          break;
        }
      }
      buckets[CHAPTER_ORDER.get(chapter) ?? CHAPTERS.length - 1]?.push({ index, matched });
    }
    return CHAPTERS.flatMap((chapter, i) => {
      const members = buckets[i] ?? [];
      return members.length ? [{ chapter, members }] : [];
    });
  }

  private header(date: string, subs: Subscription[], shown: number, total: number): Block {
    const labels = subs.slice(0, HEADER_LABELS).map((s) => {
      const key = `${s.kind}:${s.value}`;
      let label = this.labels.get(key);
      if (label === undefined) {
        label = subscriptionLabel(s, this.taxonomy);
        if (this.labels.size > 10_000) this.labels.clear();
        this.labels.set(key, label);
      }
      return label;
    });
    return {
      kind: "heading",
      title: [bold(DIGEST.title(date))],
      lines: [
        [span(DIGEST.subscriptions(labels, Math.max(0, subs.length - HEADER_LABELS)))],
        [span(DIGEST.count(shown, total))],
      ],
    };
  }
}

/** Card blocks are immutable, so one per (paper, density) serves every chat of a run. */
function sharedBlock(
  cache: Map<string, Block>,
  card: Card,
  density: Density,
  taxonomy: Taxonomy,
  llm: boolean,
): Block {
  const key = `${density}:${card.paper_id}`;
  let block = cache.get(key);
  if (!block) {
    block = cardBlock(card, density, taxonomy, llm);
    cache.set(key, block);
  }
  return block;
}
