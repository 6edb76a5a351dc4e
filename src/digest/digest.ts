/**
 * Digests: for a chat, the papers of an announcement that match its subscriptions and were
 * never sent to it, ranked, capped by its limit, grouped into the taxonomy's chapters and laid
 * out as one RichMessage. "Never sent" is decided by paper id in the outbox, so a new version
 * or a cross-list of a paper a chat already got never comes back.
 */

import { type Block, bold, type Line, link, type RichMessage, span } from "../core/message.ts";
import { DIGEST } from "../core/texts/digest.ts";
import { PERSONAL_DIGEST } from "../core/texts/ranking.ts";
import type { WebLinks } from "../core/web-links.ts";
import type { Ranker } from "../ranking/ranker.ts";
import type { Card } from "../store/card.ts";
import type { CardStore } from "../store/cards.ts";
import type { Chat, Density } from "../store/chats.ts";
import type { MemberStore, MemberSubscription } from "../store/members.ts";
import type { OutboxStore } from "../store/outbox.ts";
import type { Paper } from "../store/paper.ts";
import type { PaperStore } from "../store/papers.ts";
import type { ChatFilters, PersonalStore } from "../store/personal.ts";
import type { Subscription, SubscriptionStore } from "../store/subscriptions.ts";
import type { PendingAlert, VoteStore } from "../store/votes.ts";
import { fallbackCard } from "../summarise/fallback.ts";
import { subscriptionLabel } from "../topics/labels.ts";
import { matchTopics } from "../topics/match.ts";
import { CHAPTERS, type Chapter, loadTaxonomy, type Taxonomy } from "../topics/taxonomy.ts";
import { circled } from "./buttons.ts";
import { cardBlock } from "./card-message.ts";
import { DayIndex, type RuleTopics } from "./day-index.ts";

export interface DigestItem {
  paper: Paper;
  card: Card;
  /** the chat's subscriptions this paper matched (at least one) */
  matched: Subscription[];
  /** pinned first because a followed author wrote it */
  pinned?: boolean;
}

export interface Digest {
  chat: Chat;
  announceDate: string;
  /** what the message shows, in the message's order (by chapter, then rank) */
  items: DigestItem[];
  /** papers of the day matching the chat's subscriptions, already-sent ones included */
  totalMatched: number;
  message: RichMessage;
  /** members whose waiting saved-paper alerts this digest carries */
  alerted?: string[];
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
  /** the web archive's links (SUDI_PUBLIC_URL): the footer then links to the day's page */
  links?: WebLinks | null;
  /** personal digests (follows, mutes, minimum score, learned order, members' lines) */
  personal?: PersonalDeps;
}

/** What personal digests read; each part is optional, so tests and tools pass what they use. */
export interface PersonalDeps {
  filters?: Pick<PersonalStore, "filtersFor">;
  members?: Pick<MemberStore, "forChat" | "members">;
  alerts?: Pick<VoteStore, "alertsFor" | "clearAlerts" | "detectAlerts">;
  ranker?: Pick<Ranker, "rankFor" | "hasModel" | "index">;
  /** a paper's title as a card shows it, for "与你收藏的《…》相近" */
  titleOf?: (paperId: string) => string | undefined;
}

/** Pinned papers (by followed authors) a digest shows at most; the rest are counted. */
export const MAX_PINNED = 5;

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
  private dayFooter: { date: string; block: Block } | undefined;
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
    const filters = this.deps.personal?.filters?.filtersFor([chat.id]).get(chat.id);
    return this.select(
      this.dayIndex(date),
      chat,
      subs,
      opts.includeSent ?? false,
      new Map(),
      filters,
    );
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
      this.bulk = { day: this.dayIndex(date), at: now, blocks: new Map() };
    }
    const { day, blocks } = this.bulk;
    const ids = chats.map((c) => c.id);
    const subsByChat = this.deps.subscriptions.forChats(ids);
    const filters = this.deps.personal?.filters?.filtersFor(ids);
    this.deps.personal?.alerts?.detectAlerts();
    const out: Digest[] = [];
    for (const chat of chats) {
      const subs = subsByChat.get(chat.id);
      if (!subs?.length) continue;
      const digest = this.select(day, chat, subs, false, blocks, filters?.get(chat.id));
      if (!digest) continue;
      out.push(digest);
      // The alerts now travel in the digest (its parts are stored before anything is sent).
      for (const userId of digest.alerted ?? []) {
        this.deps.personal?.alerts?.clearAlerts(chat.id, userId);
      }
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

  /**
   * One announcement day indexed: every paper with its card (a fallback when none is stored
   * yet), topics, chapter and rank. Built afresh from the store on each call; the web archive
   * caches what it renders from it.
   */
  dayIndex(date: string): DayIndex {
    const papers = this.deps.papers.announced(date);
    const cards = this.deps.cards.bestMany(papers.map((p) => p.id));
    this.deps.personal?.ranker?.index(papers);
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
   * The chat's papers, best first: papers by followed authors, then by the chat's learned
   * model when it has one, else written cards before fallback cards, then more matched
   * subscriptions and the day's rank. Muted papers and papers under the chat's minimum score
   * are left out (counted), unless a followed author wrote them: the reader asked for that
   * author by name. Without a model, only as many as asked for are produced (`take`),
   * scanning the day in rank order once per distinct number of matches, so a chat matching
   * hundreds of papers costs no sort. `release` must be called when done: the match counts
   * live in a buffer shared by every chat.
   */
  private ranked(
    day: DayIndex,
    chat: Chat,
    subs: readonly Pick<Subscription, "kind" | "value">[],
    filters: ChatFilters | undefined,
  ): {
    take: (k: number) => number[];
    release: () => void;
    pinned: Set<number>;
    total: number;
    belowMin: number;
    /** papers the learned model put up, with the liked paper each is near */
    near: Map<number, string>;
  } {
    const n = day.papers.length;
    if (this.counts.length < n) this.counts = new Uint8Array(n);
    const counts = this.counts;
    const touched: number[] = [];
    const pinned = new Set<number>();
    let most = 0;
    for (const sub of subs) {
      for (const i of day.matching(sub)) {
        const c = counts[i] ?? 0;
        if (c === 0) touched.push(i);
        if (c < MAX_MATCHES) counts[i] = c + 1;
        if (c + 1 > most) most = c + 1;
        if (sub.kind === "author") pinned.add(i);
      }
    }
    const min = filters?.minScore ?? null;
    const mutes = filters?.mutes ?? [];
    const belowScore = (i: number) => {
      const score = day.papers[i]?.card.score ?? null;
      return min !== null && score !== null && score < min;
    };
    // Most chats follow, mute and filter nothing: their scan checks the match count only.
    const plain = pinned.size === 0 && min === null && mutes.length === 0;
    const left = (i: number) =>
      !pinned.has(i) && (belowScore(i) || mutes.some((m) => day.muted(m, i)));
    let belowMin = 0;
    if (min !== null) {
      for (const i of touched) if (!pinned.has(i) && belowScore(i)) belowMin++;
    }
    const release = () => {
      for (const i of touched) counts[i] = 0;
    };
    const byDefault = (a: number, b: number) =>
      (counts[b] ?? 0) - (counts[a] ?? 0) ||
      (day.papers[a]?.rank ?? 0) - (day.papers[b]?.rank ?? 0);
    const head = pinned.size ? [...pinned].sort(byDefault) : [];
    // The default order after the pinned papers, produced lazily. A scan position is the tier
    // (written cards hold ranks [0, day.written), fallback cards the rest), the number of
    // matches being listed, and the place in that tier's ranking.
    const tiers: [number, number][] = [
      [0, day.written],
      [day.written, n],
    ];
    let tier = 0;
    let level = most;
    let position = 0;
    const scan = (k: number): number[] => {
      const out: number[] = [];
      while (out.length < k && most > 0 && tier < tiers.length) {
        const [from, to] = tiers[tier] as [number, number];
        if (position < from) position = from;
        for (; position < to && out.length < k; position++) {
          const index = day.byRank[position] ?? 0;
          if (counts[index] === level && (plain || (!pinned.has(index) && !left(index)))) {
            out.push(index);
          }
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
    const near = new Map<number, string>();
    let rest: (k: number) => number[] = scan;
    const ranker = this.deps.personal?.ranker;
    if (ranker?.hasModel(chat.id)) {
      // A learned order needs every candidate: materialise them and let the model sort.
      const candidates = scan(Number.POSITIVE_INFINITY);
      const byId = new Map(candidates.map((i) => [day.papers[i]?.paper.id ?? "", i]));
      const learned: number[] = [];
      for (const r of ranker.rankFor(
        chat.id,
        candidates.map((i) => day.papers[i]?.paper as Paper),
      )) {
        const i = byId.get(r.paper.id);
        if (i === undefined) continue;
        learned.push(i);
        if (r.nearest) near.set(i, r.nearest);
      }
      let at = 0;
      rest = (k) => {
        const out = learned.slice(at, at + k);
        at += out.length;
        return out;
      };
    }
    let headAt = 0;
    const take = (k: number): number[] => {
      const out = head.slice(headAt, headAt + k);
      headAt += out.length;
      return out.length < k ? [...out, ...rest(k - out.length)] : out;
    };
    return { take, release, pinned, total: touched.length, belowMin, near };
  }

  private select(
    day: DayIndex,
    chat: Chat,
    groupSubs: Subscription[],
    includeSent: boolean,
    blocks: Map<string, Block>,
    filters?: ChatFilters,
  ): Digest | null {
    const memberSubs: ReadonlyMap<string, MemberSubscription[]> =
      chat.type === "group"
        ? (this.deps.personal?.members?.forChat(chat.id) ?? NO_MEMBERS)
        : NO_MEMBERS;
    // Most chats have no members' subscriptions: their own list is used as it is.
    const subs: readonly Pick<Subscription, "kind" | "value">[] = memberSubs.size
      ? [...groupSubs, ...[...memberSubs.values()].flat()]
      : groupSubs;
    const ranking = this.ranked(day, chat, subs, filters);
    const total = ranking.total;
    const limit = Math.max(1, chat.digestLimit);
    const kept: number[] = [];
    let moreFollowed = 0;
    let pinnedShown = 0;
    // Pinned papers come first in the order: at most MAX_PINNED are shown (the rest counted),
    // then the others fill the chat's limit.
    const take = (i: number) => {
      if (!ranking.pinned.has(i)) {
        if (kept.length < limit) kept.push(i);
      } else if (pinnedShown < MAX_PINNED) {
        pinnedShown++;
        kept.push(i);
      } else {
        moreFollowed++;
      }
    };
    try {
      if (total === 0) return null;
      if (includeSent) {
        for (const i of ranking.take(limit + ranking.pinned.size)) take(i);
      } else {
        // Most chats were sent none of the day's papers: one small outbox query settles it.
        const batch = Math.max(20, limit * 2, ranking.pinned.size);
        let seen = 0;
        for (let slice = ranking.take(batch); slice.length > 0; slice = ranking.take(batch)) {
          const ids = slice.map((i) => day.papers[i]?.paper.id ?? "");
          const sent = this.deps.outbox.sentAmong(chat.id, ids);
          slice.forEach((i, k) => {
            if (!sent.has(ids[k] ?? "")) take(i);
          });
          seen += slice.length;
          if (kept.length >= limit && seen >= ranking.pinned.size) break;
        }
      }
    } finally {
      ranking.release();
    }
    if (kept.length === 0) return null;
    const items: DigestItem[] = [];
    const body: Block[] = [];
    // Only members' lines need the numbers by paper (group chats with members).
    const numberOf =
      chat.type === "group" && this.deps.personal?.members ? new Map<number, number>() : null;
    // Most cards are there for what they matched: one reason per set of the chat's
    // subscriptions (at most three name it), worked out once per digest, not per card.
    let known = REASONS.get(blocks);
    if (!known) {
      known = { byText: new Map(), labelIds: new Map(), byLabels: new Map() };
      REASONS.set(blocks, known);
    }
    const { byText: reasons, labelIds, byLabels } = known;
    const interned = (why: string | undefined): Reason => {
      const text = why ?? "";
      let reason = reasons.get(text);
      if (!reason) {
        reason = { line: text ? [span(text)] : null };
        reasons.set(text, reason);
      }
      return reason;
    };
    const byAuthor = subs.some((s) => s.kind === "author");
    // The marks: paper ids in card-number order, and each card's why-line.
    const marked: string[] = [];
    const whys: (Line | null)[] = [];
    let anyWhy = false;
    // Keyed by the positions of the (at most three) named subscriptions, as one number.
    const byMatched = new Map<number, Reason>();
    const base = groupSubs.length + 1;
    const labels: (number | undefined)[] = [];
    const whyOf = (index: number, matched: Subscription[]): Reason => {
      if (byAuthor || matched.length === 0 || ranking.near.has(index)) {
        return interned(this.why(day, index, matched, subs, ranking.near));
      }
      let memo = 0;
      for (let k = 0; k < matched.length && k < 3; k++) {
        const at = groupSubs.indexOf(matched[k] as Subscription);
        if (at < 0) return interned(this.why(day, index, matched, subs, ranking.near));
        memo = memo * base + at + 1;
      }
      let memoised = byMatched.get(memo);
      if (!memoised) {
        // The reason then names the matched subscriptions' labels and nothing else: chats
        // with the same labels share it, found by the labels' numbers (one per label text).
        let key = 0;
        // Past LABEL_KEYS labels a key could be ambiguous: such reasons are not shared.
        let shareable = true;
        for (let k = 0; k < matched.length && k < 3; k++) {
          const at = groupSubs.indexOf(matched[k] as Subscription);
          let id = labels[at];
          if (id === undefined) {
            const label = this.label(matched[k] as Subscription);
            id = labelIds.get(label);
            if (id === undefined) {
              id = labelIds.size + 1;
              labelIds.set(label, id);
            }
            labels[at] = id;
          }
          if (id >= LABEL_KEYS) shareable = false;
          key = key * LABEL_KEYS + id;
        }
        memoised = shareable ? byLabels.get(key) : undefined;
        if (!memoised) {
          memoised = interned(this.why(day, index, matched, subs, ranking.near));
          if (shareable) byLabels.set(key, memoised);
        }
        byMatched.set(memo, memoised);
      }
      return memoised;
    };
    const cardFor = (index: number, matched: Subscription[]) => {
      const entry = day.papers[index];
      if (!entry) return;
      const number = items.length + 1;
      numberOf?.set(index, number);
      const item: DigestItem = { paper: entry.paper, card: entry.card, matched };
      if (ranking.pinned.has(index)) item.pinned = true;
      items.push(item);
      const why = whyOf(index, matched).line;
      // Every chat shows the paper's one shared block; its number and why-line go beside it
      // (the message's marks), and renderers add them.
      const shared = sharedBlock(
        blocks,
        day,
        index,
        entry.card,
        chat.density,
        this.taxonomy,
        this.deps.llm ?? true,
      );
      body.push(shared);
      marked.push(shared.paperId ?? "");
      whys.push(why);
      if (why) anyWhy = true;
    };
    const pinnedKept = ranking.pinned.size ? kept.filter((i) => ranking.pinned.has(i)) : [];
    if (pinnedKept.length) {
      body.push({
        kind: "heading",
        title: [bold(PERSONAL_DIGEST.pinnedHeading(pinnedKept.length))],
        lines: [],
      });
      for (const index of pinnedKept) {
        cardFor(
          index,
          groupSubs.filter((s) => day.matches(s, index)),
        );
      }
    }
    const rest = ranking.pinned.size ? kept.filter((i) => !ranking.pinned.has(i)) : kept;
    for (const { chapter, members } of this.chapters(day, rest, groupSubs)) {
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
      for (const { index, matched } of members) cardFor(index, matched);
    }
    const notes: Line[] = [];
    if (moreFollowed > 0) notes.push([span(PERSONAL_DIGEST.moreFollowed(moreFollowed))]);
    if (ranking.belowMin > 0 && filters?.minScore) {
      notes.push([span(PERSONAL_DIGEST.belowMinScore(ranking.belowMin, filters.minScore))]);
    }
    const memberBlock = this.memberLines(day, chat, memberSubs, numberOf ?? new Map());
    const tail: Block[] = [];
    if (notes.length) tail.push({ kind: "text", lines: notes });
    if (memberBlock) tail.push(memberBlock.block);
    const message: RichMessage = {
      blocks: [
        this.header(day.date, groupSubs, items.length, total, blocks),
        ...body,
        ...tail,
        this.footer(day.date),
      ],
      // Copies sized exactly: the pushed arrays keep spare room, held as long as the digest.
      marks: anyWhy ? { papers: marked.slice(), why: whys.slice() } : { papers: marked.slice() },
    };
    return {
      chat,
      announceDate: day.date,
      items,
      totalMatched: total,
      message,
      ...(memberBlock?.alerted.length ? { alerted: memberBlock.alerted } : {}),
    };
  }

  /** Why a paper is in the chat's digest: its author, the learned model, or what matched. */
  private why(
    day: DayIndex,
    index: number,
    matched: Subscription[],
    subs: readonly Pick<Subscription, "kind" | "value">[],
    nearOf: Map<number, string>,
  ): string | undefined {
    const author = subs.find((s) => s.kind === "author" && day.matches(s, index));
    if (author) return PERSONAL_DIGEST.whyAuthor(author.value.split(" | ")[0] ?? author.value);
    const near = nearOf.get(index);
    const title = near ? this.deps.personal?.titleOf?.(near) : undefined;
    if (title) return PERSONAL_DIGEST.whyNear(title);
    const labels = (matched.length ? matched : subs.filter((s) => day.matches(s, index)))
      .slice(0, 3)
      .map((s) => this.label(s));
    return labels.length ? PERSONAL_DIGEST.whyMatched(labels) : undefined;
  }

  /**
   * 「👤 @小明：2 篇（文生视频）③⑤」 for every member with own subscriptions that matched (or
   * saved-paper alerts waiting), mentioning them unless they turned mentions off or the
   * platform cannot (a user id that is not a person's).
   */
  private memberLines(
    day: DayIndex,
    chat: Chat,
    memberSubs: ReadonlyMap<string, MemberSubscription[]>,
    numberOf: ReadonlyMap<number, number>,
  ): { block: Block; alerted: string[] } | null {
    const personal = this.deps.personal;
    if (chat.type !== "group") return this.privateAlerts(chat);
    if (!personal?.members) return null;
    const alerts = new Map<string, PendingAlert[]>();
    for (const a of personal.alerts?.alertsFor(chat.id) ?? []) {
      const list = alerts.get(a.userId);
      if (list) list.push(a);
      else alerts.set(a.userId, [a]);
    }
    if (memberSubs.size === 0 && alerts.size === 0) return null;
    const people = new Map(personal.members.members(chat.id).map((m) => [m.userId, m]));
    const lines: Line[] = [];
    const alerted: string[] = [];
    const users = [...new Set([...memberSubs.keys(), ...alerts.keys()])];
    for (const userId of users) {
      const subs = memberSubs.get(userId) ?? [];
      const numbers: number[] = [];
      const hit = new Set<string>();
      for (const [index, number] of numberOf) {
        const matched = subs.filter((s) => day.matches(s, index));
        if (matched.length === 0) continue;
        numbers.push(number);
        for (const s of matched) hit.add(this.label(s));
      }
      const waiting = alerts.get(userId) ?? [];
      if (numbers.length === 0 && waiting.length === 0) continue;
      const member = people.get(userId);
      const name = member?.displayName ?? userId;
      // Mentioned only while they have subscriptions here, and not after /mention off.
      const mention = subs.length > 0 && (member?.mention ?? true) && /^\d+$/.test(userId);
      const line: Line = [
        span("👤 "),
        mention ? span(`@${name}`, { mention: userId }) : span(name),
      ];
      numbers.sort((a, b) => a - b);
      if (numbers.length) {
        line.push(
          span(PERSONAL_DIGEST.memberLine(numbers.length, [...hit], numbers.map(circled).join(""))),
        );
      }
      if (waiting.length) {
        const items = waiting.map((a) =>
          a.kind === "code"
            ? PERSONAL_DIGEST.alertCode(a.paperId)
            : PERSONAL_DIGEST.alertVersion(a.paperId, a.version),
        );
        line.push(span(PERSONAL_DIGEST.memberAlerts(items)));
        alerted.push(userId);
      }
      lines.push(line);
    }
    return lines.length ? { block: { kind: "text", lines }, alerted } : null;
  }

  /** In a private chat, saved-paper alerts get a block of their own before the footer. */
  private privateAlerts(chat: Chat): { block: Block; alerted: string[] } | null {
    const waiting = this.deps.personal?.alerts?.alertsFor(chat.id) ?? [];
    if (waiting.length === 0) return null;
    const lines: Line[] = waiting.map((a) => [
      span(
        `• ${a.kind === "code" ? PERSONAL_DIGEST.alertCode(a.paperId) : PERSONAL_DIGEST.alertVersion(a.paperId, a.version)}`,
      ),
    ]);
    return {
      block: { kind: "text", title: [bold(PERSONAL_DIGEST.alertsTitle)], lines },
      alerted: [...new Set(waiting.map((a) => a.userId))],
    };
  }

  private label(s: Pick<Subscription, "kind" | "value">): string {
    const key = `${s.kind}:${s.value}`;
    let label = this.labels.get(key);
    if (label === undefined) {
      label = subscriptionLabel(s, this.taxonomy);
      if (this.labels.size > 10_000) this.labels.clear();
      this.labels.set(key, label);
    }
    return label;
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

  /** The footer; with the web archive, plus a link to the day's page (one per day, shared). */
  private footer(date: string): Block {
    const links = this.deps.links;
    if (!links) return FOOTER;
    if (this.dayFooter?.date !== date) {
      this.dayFooter = {
        date,
        block: {
          kind: "footer",
          lines: [...FOOTER.lines, [span(DIGEST.web), link(DIGEST.webLink, links.day(date))]],
        },
      };
    }
    return this.dayFooter.block;
  }

  /**
   * The digest's heading. Its title and count lines are the same for many chats: shared
   * through the block cache (lines are never mutated), so each chat holds only its own line
   * of subscriptions.
   */
  private header(
    date: string,
    subs: Subscription[],
    shown: number,
    total: number,
    blocks: Map<string, Block>,
  ): Block {
    let shared = HEADER_LINES.get(blocks);
    if (!shared) {
      shared = new Map();
      HEADER_LINES.set(blocks, shared);
    }
    const title = DIGEST.title(date);
    let titleLine = shared.get(title);
    if (!titleLine) {
      titleLine = [bold(title)];
      shared.set(title, titleLine);
    }
    const count = DIGEST.count(shown, total);
    let countLine = shared.get(count);
    if (!countLine) {
      countLine = [span(count)];
      shared.set(count, countLine);
    }
    const labels = subs.slice(0, HEADER_LABELS).map((s) => this.label(s));
    return {
      kind: "heading",
      title: titleLine,
      lines: [
        [span(DIGEST.subscriptions(labels, Math.max(0, subs.length - HEADER_LABELS)))],
        countLine,
      ],
    };
  }
}

/** No members' subscriptions (private chats, or no member store). */
const NO_MEMBERS: ReadonlyMap<string, MemberSubscription[]> = new Map();

/** Heading lines shared by the chats of each block cache, by their text. */
const HEADER_LINES = new WeakMap<Map<string, Block>, Map<string, Line>>();

/** A reason ("why" line), interned per block cache. */
interface Reason {
  /** the why-line, one shared Line for every card with this reason; null for no reason */
  line: Line | null;
}

/** Label numbers in a reason's key: three of them fit a float's exact integers. */
const LABEL_KEYS = 2 ** 17;

/**
 * The reasons of each block cache, by text and by the labels they name (a key of up to three
 * label numbers), living as long as the cache.
 */
const REASONS = new WeakMap<
  Map<string, Block>,
  { byText: Map<string, Reason>; labelIds: Map<string, number>; byLabels: Map<number, Reason> }
>();

/**
 * Shared card blocks of each block cache by density, then by the paper's place in the day
 * (a block cache serves one indexed day): no key string per card.
 */
const SHARED = new WeakMap<Map<string, Block>, Map<Density, (Block | undefined)[]>>();

/** Card blocks are immutable, so one per (paper, density) serves every chat of a run. */
function sharedBlock(
  cache: Map<string, Block>,
  day: DayIndex,
  index: number,
  card: Card,
  density: Density,
  taxonomy: Taxonomy,
  llm: boolean,
): Block {
  let byDensity = SHARED.get(cache);
  if (!byDensity) {
    byDensity = new Map();
    SHARED.set(cache, byDensity);
  }
  let byIndex = byDensity.get(density);
  if (!byIndex) {
    byIndex = Array.from({ length: day.papers.length });
    byDensity.set(density, byIndex);
  }
  let block = byIndex[index];
  if (!block) {
    block = cardBlock(card, density, taxonomy, llm);
    byIndex[index] = block;
  }
  return block;
}
