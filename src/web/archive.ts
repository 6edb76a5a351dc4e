/**
 * What the archive shows, read from the stores: an announcement day in chapters, a topic's
 * recent papers, a chat's recent matches, one paper. Indexed days are kept for a short while
 * (the scheduler rarely changes a day once it is summarised), so pages and feeds built from
 * the same day share one pass over it.
 */

import type { DayIndex } from "../digest/day-index.ts";
import type { DigestService } from "../digest/digest.ts";
import type { ArchiveStore } from "../store/archive.ts";
import type { Card } from "../store/card.ts";
import type { CardStore } from "../store/cards.ts";
import type { Paper } from "../store/paper.ts";
import type { PaperStore } from "../store/papers.ts";
import type { Subscription } from "../store/subscriptions.ts";
import { fallbackCard } from "../summarise/fallback.ts";
import { CHAPTERS, type Chapter } from "../topics/taxonomy.ts";

export interface ArchiveEntry {
  paper: Paper;
  card: Card;
  date: string;
}

export interface ArchiveDayView {
  date: string;
  total: number;
  chapters: { chapter: Chapter; entries: ArchiveEntry[] }[];
}

export interface ArchiveDeps {
  papers: Pick<PaperStore, "get" | "latestAnnounceDate">;
  cards: Pick<CardStore, "bestMany">;
  digests: Pick<DigestService, "dayIndex">;
  archive: Pick<ArchiveStore, "recentDays" | "neighbours">;
  /** ms clock, for the cache */
  now?: () => number;
  /** how long an indexed day is reused; default 60 s */
  ttlMs?: number;
}

/** Indexed days kept at once (a feed reads a week, a topic page two). */
const MAX_DAYS = 32;
/** Papers a feed or topic page lists at most. */
export const FEED_ENTRIES = 50;

export class Archive {
  private readonly days = new Map<string, { index: DayIndex; at: number }>();
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(private readonly deps: ArchiveDeps) {
    this.now = deps.now ?? Date.now;
    this.ttlMs = deps.ttlMs ?? 60_000;
  }

  latestDate(): string | null {
    return this.deps.papers.latestAnnounceDate();
  }

  recentDays(limit: number) {
    return this.deps.archive.recentDays(limit);
  }

  neighbours(date: string) {
    return this.deps.archive.neighbours(date);
  }

  /** The day's papers by chapter (taxonomy order), best first in each; null when none. */
  day(date: string): ArchiveDayView | null {
    const index = this.index(date);
    if (index.papers.length === 0) return null;
    const buckets = new Map<Chapter, ArchiveEntry[]>();
    for (const position of index.byRank) {
      const entry = index.papers[position];
      if (!entry) continue;
      const list = buckets.get(entry.chapter) ?? [];
      list.push({ paper: entry.paper, card: entry.card, date });
      buckets.set(entry.chapter, list);
    }
    const chapters = CHAPTERS.flatMap((chapter) => {
      const entries = buckets.get(chapter);
      return entries ? [{ chapter, entries }] : [];
    });
    return { date, total: index.papers.length, chapters };
  }

  /**
   * Papers of the newest `days` announcement days matching any of `subs`, newest day first
   * and best first within a day, at most `limit`.
   */
  matching(
    subs: readonly Pick<Subscription, "kind" | "value">[],
    days: number,
    limit = FEED_ENTRIES,
  ): ArchiveEntry[] {
    const out: ArchiveEntry[] = [];
    if (subs.length === 0) return out;
    for (const { date } of this.deps.archive.recentDays(days)) {
      const index = this.index(date);
      const hits = new Set<number>();
      for (const sub of subs) for (const i of index.matching(sub)) hits.add(i);
      const ranked = [...hits].sort(
        (x, y) => (index.papers[x]?.rank ?? 0) - (index.papers[y]?.rank ?? 0),
      );
      for (const i of ranked) {
        const entry = index.papers[i];
        if (!entry) continue;
        out.push({ paper: entry.paper, card: entry.card, date });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** One stored paper with its best card (a fallback card when none is stored yet). */
  paper(id: string): { paper: Paper; card: Card } | null {
    const paper = this.deps.papers.get(id);
    if (!paper) return null;
    const card = this.deps.cards.bestMany([id]).get(id) ?? fallbackCard(paper);
    return { paper, card };
  }

  /** Best cards for search hits, by id. */
  cards(ids: readonly string[]): ReadonlyMap<string, Card> {
    return this.deps.cards.bestMany(ids);
  }

  private index(date: string): DayIndex {
    const now = this.now();
    const cached = this.days.get(date);
    if (cached && now - cached.at < this.ttlMs) return cached.index;
    const index = this.deps.digests.dayIndex(date);
    this.days.delete(date);
    if (this.days.size >= MAX_DAYS) {
      const oldest = this.days.keys().next().value;
      if (oldest !== undefined) this.days.delete(oldest);
    }
    this.days.set(date, { index, at: now });
    return index;
  }
}
