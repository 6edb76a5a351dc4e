/**
 * The bitset selection (chats without personal ranking, the scheduler's bulk run) must pick
 * exactly what the general per-paper path picks: same counts per chapter, same papers in the
 * same order, with multi-chapter papers, several subscriptions per paper, ties and popularity.
 */
import { describe, expect, it } from "vitest";
import { parsePeriod } from "../src/reports/period.ts";
import type { PaperPopularity, PopularityService } from "../src/reports/popularity.ts";
import type { Report } from "../src/reports/select.ts";
import type { Subscription } from "../src/store/subscriptions.ts";
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
    // An empty ranking provider: with a chat it forces the general path, without it the
    // bitset path runs. Both read the same period index.
    const s = reportsSetup({ popularity: stub, ranking: {} });
    const days = ["2024-04-22", "2024-04-23", "2024-04-24", "2024-04-25", "2024-04-26"];
    const prev = ["2024-04-15", "2024-04-16", "2024-04-17", "2024-04-18", "2024-04-19"];
    let n = 0;
    for (const date of [...prev, ...days]) {
      const items: SeedItem[] = [];
      for (let k = 0; k < 60; k++) {
        const id = `2404.${String(10000 + n++)}`;
        const topics = random() < 0.5 ? [pick(topicIds), pick(topicIds)] : [pick(topicIds)];
        items.push({ id, topics, score: 1 + Math.floor(random() * 5) });
        if (random() < 0.2) popularity.set(id, { upvotes: Math.floor(random() * 300) });
      }
      s.seed(date, items);
    }
    const week = parsePeriod("2024-W17");
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
});
