/**
 * 周报/月报 ranked as the chat's daily digest, through the app's own wiring (src/app.ts):
 * followed authors first, then the chat's learned model where it has one, else the card's
 * 推荐指数; a chat without a model or filters stays on the shared path; and an affiliation a
 * deep-read card names appears in the 【单位 提出 …】 headline.
 */
import { describe, expect, it } from "vitest";
import { parsePeriod } from "../src/reports/period.ts";
import { learnedScore } from "../src/reports/personal.ts";
import { DeepCardSchema } from "../src/store/deep.ts";
import type { Paper } from "../src/store/paper.ts";
import { GROUP, PRIVATE, paper, realCard, setup } from "./commands-setup.ts";

const W17 = parsePeriod("2024-W17");
const DIFFUSION =
  "Diffusion models denoise latent images with a score network for image synthesis.";
const AGENTS = "A language agent plans tool calls and browses the web to finish tasks.";

describe("a 周报 ranked as the chat's daily digest", () => {
  it("puts the followed author first, then the chat's learned order; a chat without a model keeps the card order", async () => {
    const s = setup({ now: new Date("2024-05-06T03:00:00Z") });
    const { app } = s;
    const announce = (p: Paper, date: string, score: number) => {
      app.papers.upsert(p, { date, type: "new" });
      app.cards.put(realCard(p, { score, topics: ["text-to-image"] }));
    };
    // Last week's papers the group voted on: it likes diffusion, not agents.
    const liked = Array.from({ length: 6 }, (_, i) =>
      paper(`2404.0010${i}`, { title: `Diffusion image synthesis ${i}`, abstract: DIFFUSION }),
    );
    const disliked = Array.from({ length: 4 }, (_, i) =>
      paper(`2404.0020${i}`, { title: `Language agents ${i}`, abstract: AGENTS }),
    );
    for (const p of [...liked, ...disliked]) announce(p, "2024-04-15", 3);
    // This week: agents rated higher by the cards, diffusion lower, one by a followed author.
    const agents = [1, 2].map((i) =>
      paper(`2404.1000${i}`, { title: `Web agents ${i}`, abstract: AGENTS }),
    );
    const diffusion = [3, 4].map((i) =>
      paper(`2404.1000${i}`, { title: `Latent diffusion ${i}`, abstract: DIFFUSION }),
    );
    const followed = paper("2404.10005", {
      title: "Scaling laws revisited",
      abstract: "We revisit scaling.",
      authors: [{ name: "Yuhong Li", affiliations: [] }],
    });
    for (const p of agents) announce(p, "2024-04-22", 5);
    for (const p of diffusion) announce(p, "2024-04-22", 2);
    announce(followed, "2024-04-22", 1);

    const { ranker, votes } = app.personal;
    ranker.index([...liked, ...disliked, ...agents, ...diffusion, followed]);
    for (const chat of [GROUP, PRIVATE]) {
      expect(await s.say("/subscribe cs.LG", { chat })).toContain("已订阅");
      expect(await s.say("/follow Yuhong Li", { chat })).toContain("已关注作者");
    }
    const group = app.chats.ensure(GROUP);
    const alone = app.chats.ensure(PRIVATE);
    for (const p of liked) votes.toggleVote(group.id, "u1", p.id, 1);
    for (const p of disliked) votes.toggleVote(group.id, "u1", p.id, -1);

    const builder = app.reports.builder;
    expect(builder.isPersonal(group.id, undefined)).toBe(true);
    expect(builder.isPersonal(alone.id, undefined)).toBe(false);
    const order = async (chat: number) => {
      const subs = app.subscriptions.list(chat);
      const report = await builder.build(W17, subs, { chat, popularity: "off" });
      return { report, ids: report.chapters.flatMap((c) => c.items.map((i) => i.paper.id)) };
    };
    const mine = await order(group.id);
    expect(mine.ids[0]).toBe("2404.10005");
    // the model puts this week's diffusion papers above the better-rated agent papers
    expect(mine.ids.slice(1, 3).sort()).toEqual(["2404.10003", "2404.10004"]);
    expect(mine.ids.slice(3).sort()).toEqual(["2404.10001", "2404.10002"]);
    expect(mine.report.signals).toContain("ranking");
    expect(mine.report.chapters.flatMap((c) => c.items).find((i) => i.followed)?.paper.id).toBe(
      "2404.10005",
    );

    // Same subscriptions, no votes: the shared path, the follow first, then 推荐指数.
    const theirs = await order(alone.id);
    expect(theirs.ids[0]).toBe("2404.10005");
    expect(theirs.ids.slice(1, 3).sort()).toEqual(["2404.10001", "2404.10002"]);
    expect(theirs.ids.slice(3).sort()).toEqual(["2404.10003", "2404.10004"]);
    expect(theirs.report.signals).not.toContain("ranking");
    expect(learnedScore(0)).toBe(3);
  });

  it("names the deep-read card's affiliation in the headline; without one, the family name", async () => {
    const s = setup({ now: new Date("2024-05-06T03:00:00Z") });
    const { app } = s;
    const read = paper("2404.10001", {
      title: "MultiBooth: Generating All Your Concepts",
      authors: [{ name: "Chenyang Zhu", affiliations: [] }],
    });
    const unread = paper("2404.10002", {
      title: "DiffFit: Simple Fine-Tuning",
      authors: [{ name: "Enze Xie", affiliations: [] }],
    });
    for (const p of [read, unread]) {
      app.papers.upsert(p, { date: "2024-04-22", type: "new" });
      app.cards.put(realCard(p, { topics: ["text-to-image"], tldr: "一句话。" }));
    }
    app.deepStore.putCard(
      DeepCardSchema.parse({
        summary: "深读摘要。",
        paper_id: read.id,
        version: read.version,
        title_en: read.title,
        authors: "Chenyang Zhu 等",
        affiliations: ["清华大学", "Meta"],
        source: "html",
        source_url: `https://arxiv.org/html/${read.id}v1`,
        excerpt: { tokens: 1000, cut: [], omitted: [] },
        numbers_removed: [],
        repairs: [],
        cleaned: false,
        prompt_version: app.deep.promptVersion,
        model: app.deep.model,
      }),
      { promptTokens: 0, completionTokens: 0 },
    );
    const report = await app.reports.builder.build(W17, null, { popularity: "off" });
    const heads = new Map(
      report.chapters.flatMap((c) => c.items.map((i) => [i.paper.id, i.headline] as const)),
    );
    expect(heads.get(read.id)).toBe("【清华大学、Meta 提出 MultiBooth：一句话】");
    expect(heads.get(unread.id)).toBe("【Xie 等 提出 DiffFit：一句话】");
  });
});
