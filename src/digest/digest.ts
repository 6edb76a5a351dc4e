/**
 * Digests: for a chat, the papers of an announcement that match its subscriptions and were
 * never sent to it, ranked, capped by its limit, grouped into the taxonomy's chapters and laid
 * out as one RichMessage. "Never sent" is decided by paper id in the outbox, so a new version
 * or a cross-list of a paper a chat already got never comes back.
 */
import type { Paper } from "../arxiv/paper.ts";
import { subscriptionLabel } from "../commands/labels.ts";
import { DIGEST } from "../commands/texts.ts";
import type { CardStore } from "../store/cards.ts";
import type { Chat, Density } from "../store/chats.ts";
import type { OutboxStore } from "../store/outbox.ts";
import type { PaperStore } from "../store/papers.ts";
import type { Subscription, SubscriptionStore } from "../store/subscriptions.ts";
import type { Card } from "../summarise/card.ts";
import { fallbackCard } from "../summarise/fallback.ts";
import { matchesKeyword, matchTopics } from "../topics/match.ts";
import { CHAPTERS, type Chapter, loadTaxonomy, type Taxonomy } from "../topics/taxonomy.ts";
import { cardBlock } from "./card-message.ts";
import { DayIndex, type RuleTopics } from "./day-index.ts";
import { type Block, bold, type RichMessage, span } from "./message.ts";

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
  /** how many papers matched before the chat's limit cut the list */
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
}

/** A fallback card has no 推荐指数; it ranks as an average paper would. */
const UNRATED_SCORE = 2.5;
/** Rule topics are cached per paper version; the cache is dropped past this size. */
const RULE_CACHE_LIMIT = 50_000;
/** Subscriptions named in a digest header; more are summarised as "等 N 项". */
const HEADER_LABELS = 5;

interface Ranked {
  index: number;
  matched: Subscription[];
}

/**
 * Builds digests from the stores. Holds only a cache of rule-based topics (they depend on a
 * paper version's text alone), so it can live as long as the process.
 */
export class DigestService {
  private readonly taxonomy: Taxonomy;
  private readonly ruleCache = new Map<string, RuleTopics>();

  constructor(private readonly deps: DigestDeps) {
    this.taxonomy = deps.taxonomy ?? loadTaxonomy();
  }

  /**
   * The digest for one chat, or null when there is nothing to show: no subscriptions, no
   * announcement stored, or no matching paper that is still unsent (or at all, with
   * includeSent).
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
    const day = this.index(date);
    const blocks = new Map<string, Block>();
    return this.select(day, chat, subs, opts.includeSent ?? false, blocks);
  }

  /**
   * Digests for many chats over one announcement day, never-sent papers only (what the
   * scheduler delivers). The day is indexed once and card blocks are shared between chats,
   * so the cost grows with the papers each chat matches, not with chats × papers. Chats with
   * nothing to send are left out.
   */
  forChats(chats: readonly Chat[], date: string): Digest[] {
    if (chats.length === 0) return [];
    const day = this.index(date);
    const subsByChat = this.deps.subscriptions.forChats(chats.map((c) => c.id));
    const blocks = new Map<string, Block>();
    const out: Digest[] = [];
    for (const chat of chats) {
      const subs = subsByChat.get(chat.id);
      if (!subs?.length) continue;
      const digest = this.select(day, chat, subs, false, blocks);
      if (digest) out.push(digest);
    }
    return out;
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
      matchesKeyword,
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

  private select(
    day: DayIndex,
    chat: Chat,
    subs: Subscription[],
    includeSent: boolean,
    blocks: Map<string, Block>,
  ): Digest | null {
    const matched = new Map<number, Subscription[]>();
    for (const sub of subs) {
      for (const i of day.matching(sub)) {
        const list = matched.get(i);
        if (list) list.push(sub);
        else matched.set(i, [sub]);
      }
    }
    if (matched.size === 0) return null;
    let candidates: Ranked[] = [...matched].map(([index, m]) => ({ index, matched: m }));
    if (!includeSent) {
      const ids = candidates.map((c) => day.papers[c.index]?.paper.id ?? "");
      const sent = this.deps.outbox.sentAmong(chat.id, ids);
      if (sent.size) candidates = candidates.filter((_, k) => !sent.has(ids[k] ?? ""));
    }
    if (candidates.length === 0) return null;
    candidates.sort((a, b) => compare(day, a, b));
    const kept = candidates.slice(0, Math.max(1, chat.digestLimit));
    const groups = this.chapters(day, kept);
    const items: DigestItem[] = [];
    const body: Block[] = [];
    for (const { chapter, members } of groups) {
      body.push({
        kind: "heading",
        title: [bold(DIGEST.chapter(chapter, members.length))],
        lines: [],
      });
      for (const r of members) {
        const entry = day.papers[r.index];
        if (!entry) continue;
        items.push({ paper: entry.paper, card: entry.card, matched: r.matched });
        body.push(sharedBlock(blocks, entry.card, chat.density, this.taxonomy));
      }
    }
    const message: RichMessage = {
      blocks: [
        this.header(day.date, subs, items.length, candidates.length),
        ...body,
        { kind: "footer", lines: [[span(DIGEST.footer)]] },
      ],
    };
    return { chat, announceDate: day.date, items, totalMatched: candidates.length, message };
  }

  /**
   * Groups ranked papers by chapter, in the taxonomy's chapter order. A paper goes under the
   * chapter of the first topic the chat subscribed to that it has, else under its own.
   */
  private chapters(day: DayIndex, ranked: Ranked[]): { chapter: Chapter; members: Ranked[] }[] {
    const byChapter = new Map<Chapter, Ranked[]>();
    for (const r of ranked) {
      const entry = day.papers[r.index];
      if (!entry) continue;
      const subscribed = new Set(r.matched.filter((s) => s.kind === "topic").map((s) => s.value));
      const topic = entry.topics.find((t) => subscribed.has(t));
      const chapter = (topic && day.chapterOf(topic)) || entry.chapter;
      const list = byChapter.get(chapter);
      if (list) list.push(r);
      else byChapter.set(chapter, [r]);
    }
    return CHAPTERS.flatMap((chapter) => {
      const members = byChapter.get(chapter);
      return members ? [{ chapter, members }] : [];
    });
  }

  private header(date: string, subs: Subscription[], shown: number, total: number): Block {
    const labels = subs.slice(0, HEADER_LABELS).map((s) => subscriptionLabel(s, this.taxonomy));
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

/** More matched subscriptions first, then the 推荐指数, then the rules' confidence, newest id. */
function compare(day: DayIndex, a: Ranked, b: Ranked): number {
  const pa = day.papers[a.index];
  const pb = day.papers[b.index];
  if (!pa || !pb) return 0;
  return (
    b.matched.length - a.matched.length ||
    (pb.card.score ?? UNRATED_SCORE) - (pa.card.score ?? UNRATED_SCORE) ||
    pb.ruleScore - pa.ruleScore ||
    (pb.paper.id < pa.paper.id ? -1 : pb.paper.id > pa.paper.id ? 1 : 0)
  );
}

/** Card blocks are immutable, so one per (paper, density) serves every chat of a run. */
function sharedBlock(
  cache: Map<string, Block>,
  card: Card,
  density: Density,
  taxonomy: Taxonomy,
): Block {
  const key = `${density}:${card.paper_id}`;
  let block = cache.get(key);
  if (!block) {
    block = cardBlock(card, density, taxonomy);
    cache.set(key, block);
  }
  return block;
}
