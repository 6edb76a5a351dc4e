import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../src/core/clock.ts";
import { plainText } from "../src/core/message.ts";
import { reportMessage } from "../src/reports/layout.ts";
import { parsePeriod } from "../src/reports/period.ts";
import { githubRepoOf, PopularityService } from "../src/reports/popularity.ts";
import { openDatabase } from "../src/store/db.ts";
import { ReportStore } from "../src/store/reports.ts";
import { type FakePopularity, startFakePopularity } from "./fakes/popularity.ts";
import { runOnClock } from "./helpers/clock.ts";
import { reportsSetup } from "./helpers/reports.ts";

const W17 = parsePeriod("2024-W17");
let fake: FakePopularity | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function seeded(popularity: PopularityService) {
  const s = reportsSetup({ popularity });
  // Two agent papers with the same 推荐指数; popularity decides which leads.
  s.seed("2024-04-22", [
    { id: "2404.10001", topic: "agent", score: 4, codeUrl: "https://github.com/lab/quiet" },
    { id: "2404.10002", topic: "agent", score: 4, codeUrl: "https://github.com/Lab/Famous.git" },
    { id: "2404.10003", topic: "agent", score: 4 },
  ]);
  return s;
}

const START = Date.parse("2024-05-06T03:00:00Z");
let clock = new ManualClock(START);
beforeEach(() => {
  clock = new ManualClock(START);
});
function service(
  f: FakePopularity,
  extra: Partial<ConstructorParameters<typeof PopularityService>[0]> = {},
) {
  return new PopularityService({
    store: new ReportStore(openDatabase(":memory:")),
    hfApiUrl: f.hfUrl,
    githubApiUrl: f.githubUrl,
    timeoutMs: 2500,
    clock,
    ...extra,
  });
}

describe("popularity signals", () => {
  it("reads GitHub repositories only from github.com links", () => {
    expect(githubRepoOf("https://github.com/Lab/Famous.git")).toBe("lab/famous");
    expect(githubRepoOf("https://github.com/a/b/tree/main/x")).toBe("a/b");
    expect(githubRepoOf("https://gitlab.com/a/b")).toBeNull();
    expect(githubRepoOf("https://github.com/a")).toBeNull();
    expect(githubRepoOf("javascript:alert(1)")).toBeNull();
  });

  it("answering sources: upvotes and stars rank the shortlist, are cached a day, and the report names them", async () => {
    fake = await startFakePopularity({
      hf: { "2024-04-23": [{ id: "2404.10002v1", upvotes: 120 }] },
      github: { "lab/famous": 5400, "lab/quiet": 3 },
    });
    const pop = service(fake);
    const s = seeded(pop);
    const subs = s.subscriptions;
    const chat = s.chats.ensure({ platform: "telegram", chatId: "1", type: "private" });
    subs.add(chat.id, "topic", "agent", null);
    const report = await s.builder.build(W17, subs.list(chat.id), { popularity: "fetch" });
    const items = report.chapters.flatMap((c) => c.items);
    expect(items[0]?.paper.id).toBe("2404.10002");
    expect(items[0]?.popularity).toEqual({ upvotes: 120, stars: 5400 });
    expect(report.signals).toEqual(["score", "match", "hf", "github"]);
    const text = plainText(reportMessage(report));
    expect(text).toContain("排序依据：推荐指数、订阅匹配、Hugging Face 点赞、GitHub 星标");
    expect(text).toContain("🤗 120 · ⭐ 5400");
    // one HF request per listing day of the week, one GitHub request per repository
    expect(fake.requests.filter((r) => r.startsWith("hf "))).toHaveLength(5);
    expect(fake.requests.filter((r) => r.startsWith("github "))).toHaveLength(2);
    expect(fake.requests).toContain("hf /api/daily_papers?date=2024-04-23&limit=100");
    // a second report within the day asks nothing
    const before = fake.requests.length;
    await s.builder.build(W17, subs.list(chat.id), { popularity: "fetch" });
    expect(fake.requests.length).toBe(before);
    // a day later the cache is stale and is refreshed
    await clock.advance(86_400_000 + 1);
    await s.builder.build(W17, subs.list(chat.id), { popularity: "fetch" });
    expect(fake.requests.length).toBeGreaterThan(before);
  });

  it("failing sources: the report falls back quietly and says which signals it did not use", async () => {
    fake = await startFakePopularity({ mode: "fail" });
    const s = seeded(service(fake));
    const report = await s.builder.build(W17, null, { popularity: "fetch" });
    expect(report.chapters.flatMap((c) => c.items)).toHaveLength(3);
    expect(report.signals).toEqual(["score"]);
    const text = plainText(reportMessage(report));
    expect(text).toContain("Hugging Face 点赞暂时取不到，本期未计入");
    expect(text).toContain("GitHub 星标暂时取不到，本期未计入");
    // one failed request per source ends that source for the run
    expect(fake.requests.filter((r) => r.startsWith("hf "))).toHaveLength(1);
    expect(fake.requests.filter((r) => r.startsWith("github "))).toHaveLength(1);
  });

  it("slow sources time out and the report still comes", async () => {
    fake = await startFakePopularity({ mode: "slow", slowMs: 5000 });
    const s = seeded(service(fake, { timeoutMs: 100 }));
    // the sources never answer within the 100 ms timeouts, which run on the manual clock
    const report = await runOnClock(clock, s.builder.build(W17, null, { popularity: "fetch" }));
    expect(clock.now() - START).toBeGreaterThanOrEqual(200);
    expect(report.chapters.flatMap((c) => c.items)).toHaveLength(3);
    expect(report.signalNotes.map((n) => `${n.source}:${n.state}`)).toEqual([
      "hf:failed",
      "github:failed",
    ]);
  });

  it("without a token, GitHub is asked within its hourly limit and the report says stars were partly fetched", async () => {
    fake = await startFakePopularity({
      github: { "lab/famous": 10, "lab/quiet": 3 },
    });
    // 3 requests an hour, a third of it (1) per run
    const pop = service(fake, { githubPerHour: 3 });
    const s = seeded(pop);
    const first = await s.builder.build(W17, null, { popularity: "fetch" });
    expect(fake.requests.filter((r) => r.startsWith("github "))).toHaveLength(1);
    expect(fake.requests.every((r) => !r.startsWith("github ") || r.endsWith(" -"))).toBe(true);
    const text = plainText(reportMessage(first));
    expect(text).toContain("GitHub 星标只取到 1/2 个仓库");
    // the next run fetches the rest (the first is cached)
    const second = await s.builder.build(W17, null, { popularity: "fetch" });
    expect(fake.requests.filter((r) => r.startsWith("github "))).toHaveLength(2);
    expect(second.signalNotes).toEqual([]);
  });

  it("stops asking GitHub when it says no requests remain, and sends the token when set", async () => {
    fake = await startFakePopularity({
      github: { "lab/famous": 10, "lab/quiet": 3 },
      githubLimit: 1,
    });
    const s = seeded(service(fake, { githubToken: "ghp_testtoken123" }));
    const report = await s.builder.build(W17, null, { popularity: "fetch" });
    const gh = fake.requests.filter((r) => r.startsWith("github "));
    expect(gh).toHaveLength(1);
    expect(gh[0]).toContain("Bearer ghp_testtoken123");
    expect(report.signalNotes.map((n) => `${n.source}:${n.state}`)).toContain("github:partial");
  });
});
