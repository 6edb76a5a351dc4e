/**
 * The walk down the period's order (chats without a learned model, the scheduler's bulk run)
 * must pick exactly what scoring every matched paper picks: same counts per chapter, same papers in the
 * same order, with multi-chapter papers, several subscriptions per paper, ties and popularity.
 */
import { describe, expect, it } from "vitest";
import { parsePeriod } from "../src/reports/period.ts";
import type { PaperPopularity, PopularityService } from "../src/reports/popularity.ts";
import { mergeSorted, type Report } from "../src/reports/select.ts";
import type { Subscription } from "../src/store/subscriptions.ts";
import { matchTopics } from "../src/topics/match.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import { reportsSetup, type SeedItem } from "./helpers/reports.ts";

const sub = (kind: Subscription["kind"], value: string): Subscription => ({
  chat: 0,
  kind,
  value,
  addedBy: null,
  createdAt: "2024-04-01T00:00:00Z",
});

let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

const shape = (r: Report) => ({
  matched: r.matched,
  chapters: r.chapters.map((c) => ({
    chapter: c.chapter,
    total: c.total,
    previous: c.previous,
    items: c.items.map((i) => i.paper.id),
  })),
});

describe("report selection by bitsets", () => {
  it("selects exactly as the per-paper path for many random subscription sets", async () => {
    const topicIds = loadTaxonomy().topics.map((t) => t.id);
    const popularity = new Map<string, PaperPopularity>();
    const stub = {
      cachedAll: () => popularity,
      gather: async () => ({ values: popularity, status: [] }),
    } as unknown as PopularityService;
    // A learned model that scores every paper as its card does: with a chat, the learned path
    // scores every matched paper; without one, the walk down the period's order runs. Both
    // must select the same papers.
    const scoreOf = new Map<string, number>();
    const s = reportsSetup({
      popularity: stub,
      ranking: {
        hasModel: () => true,
        learnedScores: (_chat, papers) =>
          new Map(papers.map((p) => [p.id, scoreOf.get(p.id) as number])),
      },
    });
    const days = ["2024-04-22", "2024-04-23", "2024-04-24", "2024-04-25", "2024-04-26"];
    const prev = ["2024-04-15", "2024-04-16", "2024-04-17", "2024-04-18", "2024-04-19"];
    let n = 0;
    for (const date of [...prev, ...days]) {
      const items: SeedItem[] = [];
      for (let k = 0; k < 60; k++) {
        const id = `2404.${String(10000 + n++)}`;
        const topics = random() < 0.5 ? [pick(topicIds), pick(topicIds)] : [pick(topicIds)];
        const score = 1 + Math.floor(random() * 5);
        scoreOf.set(id, score);
        items.push({ id, topics, score });
        if (random() < 0.2) popularity.set(id, { upvotes: Math.floor(random() * 300) });
      }
      s.seed(date, items);
    }
    const week = parsePeriod("2024-W17");
    // An independent reference for the counts per chapter: each matched paper in the chapter
    // of the first topic the chat subscribed to that it has, else its own chapter.
    const taxonomy = loadTaxonomy();
    const chapterOf = new Map(taxonomy.topics.map((t) => [t.id, t.chapter]));
    const weekPapers = s.papers.getMany(
      Array.from({ length: 300 }, (_, k) => `2404.${String(10300 + k)}`),
    );
    const cardTopics = s.cards.bestMany(weekPapers.map((p) => p.id));
    const expectedChapters = (subs: Subscription[]) => {
      const chapters = new Map<string, string>();
      for (const p of weekPapers) {
        const rules = matchTopics(p, taxonomy).map((m) => m.topic.id);
        const topics = [...new Set([...(cardTopics.get(p.id)?.topics ?? []), ...rules])].filter(
          (t) => chapterOf.has(t),
        );
        const hit = subs.some((x) =>
          x.kind === "topic" ? topics.includes(x.value) : p.categories.includes(x.value),
        );
        if (!hit) continue;
        const own = topics.find((t) => t !== "other") ?? topics[0];
        const first = topics.find((t) => subs.some((x) => x.kind === "topic" && x.value === t));
        chapters.set(p.id, chapterOf.get(first ?? own ?? "") ?? "其他");
      }
      return chapters;
    };
    const expectedTotals = (chapters: Map<string, string>) => {
      const totals = new Map<string, number>();
      for (const chapter of chapters.values()) totals.set(chapter, (totals.get(chapter) ?? 0) + 1);
      return totals;
    };
    let compared = 0;
    for (let c = 0; c < 60; c++) {
      const subs = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        sub("topic", pick(topicIds)),
      );
      if (c % 3 === 0) subs.push(sub("category", "cs.LG"));
      for (const caps of [undefined, { perChapter: 2, total: 7 }]) {
        const fast = s.builder.buildSync(week, subs, { caps });
        const general = s.builder.buildSync(week, subs, { caps, chat: 1 });
        expect(shape(fast)).toEqual(shape(general));
        const totals = new Map(
          fast.chapters.filter((x) => x.total).map((x) => [x.chapter, x.total]),
        );
        const chapters = expectedChapters(subs);
        expect(totals).toEqual(expectedTotals(chapters));
        // every selected paper sits in its reference chapter, multi-chapter papers included
        for (const c of fast.chapters) {
          for (const item of c.items) {
            expect(c.chapter, item.paper.id).toBe(chapters.get(item.paper.id));
          }
        }
        compared++;
      }
    }
    expect(compared).toBe(120);
    // the comparison is not vacuous: reports have items, previous counts, popularity
    const one = s.builder.buildSync(week, [sub("category", "cs.LG")]);
    expect(one.matched).toBe(300);
    expect(one.chapters.some((c) => (c.previous ?? 0) > 0)).toBe(true);
    expect(one.signals).toContain("hf");
  });

  it("merges per-chapter lists exactly as sorting them together would", () => {
    const compare = (a: { key: number; rank: number }, b: { key: number; rank: number }) =>
      b.key - a.key || a.rank - b.rank;
    let rank = 0;
    for (let round = 0; round < 200; round++) {
      const lists = Array.from({ length: Math.floor(random() * 11) }, () =>
        Array.from({ length: Math.floor(random() * 12) }, () => ({
          key: Math.floor(random() * 6) * 10 + Math.floor(random() * 4) / 10,
          rank: rank++,
        })).sort(compare),
      );
      const total = Math.floor(random() * 70);
      const expected = lists.flat().sort(compare).slice(0, total);
      expect(mergeSorted(lists, total, compare)).toEqual(expected);
    }
    expect(mergeSorted([], 5, compare)).toEqual([]);
  });
});
