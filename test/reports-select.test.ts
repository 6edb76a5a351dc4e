import { describe, expect, it } from "vitest";
import { plainText } from "../src/core/message.ts";
import { toMarkdown } from "../src/digest/render/markdown.ts";
import { followValue } from "../src/ranking/authors.ts";
import { familyName, methodName } from "../src/reports/headline.ts";
import { reportMessage } from "../src/reports/layout.ts";
import { parsePeriod } from "../src/reports/period.ts";
import { reportHtml, reportJson, reportMarkdown } from "../src/reports/render.ts";
import type { Subscription } from "../src/store/subscriptions.ts";
import { htmlProblems, reportsSetup } from "./helpers/reports.ts";

const sub = (kind: Subscription["kind"], value: string): Subscription => ({
  chat: 0,
  kind,
  value,
  addedBy: null,
  createdAt: "2024-04-01T00:00:00Z",
});
const W17 = parsePeriod("2024-W17");
const W16 = parsePeriod("2024-W16");
const WEEK17 = ["2024-04-22", "2024-04-23", "2024-04-24", "2024-04-25", "2024-04-26"];
const WEEK16 = ["2024-04-15", "2024-04-16", "2024-04-17", "2024-04-18", "2024-04-19"];

describe("report selection", () => {
  it("groups in the seed's chapter order, counts each paper once, caps per chapter and in total", async () => {
    const s = reportsSetup();
    // Out of chapter order on purpose; 7 video papers, 2 agent, 1 image.
    s.seed("2024-04-22", [
      { id: "2404.10001", topic: "agent", score: 5 },
      { id: "2404.10002", topic: "text-to-video", score: 2 },
      { id: "2404.10003", topic: "text-to-image", score: 4 },
    ]);
    s.seed("2024-04-23", [
      { id: "2404.10004", topic: "text-to-video", score: 5 },
      { id: "2404.10005", topic: "text-to-video", score: 4 },
      // a cross-list of a paper already announced this week: counted once
      { id: "2404.10002", topic: "text-to-video", score: 2, type: "cross" },
    ]);
    s.seed("2024-04-24", [
      { id: "2404.10006", topic: "text-to-video", score: 3 },
      { id: "2404.10007", topic: "text-to-video", score: 3 },
      { id: "2404.10008", topic: "text-to-video", score: 1 },
      { id: "2404.10009", topic: "agent", score: 2 },
    ]);
    // a new version of a paper of Monday: still one paper
    s.seed("2024-04-25", [{ id: "2404.10004", topic: "text-to-video", score: 5, version: 2 }]);
    s.seed("2024-04-26", [{ id: "2404.10010", topic: "text-to-video", score: 2 }]);
    s.seenEmpty(...WEEK16);
    const subs = [
      sub("topic", "text-to-video"),
      sub("topic", "agent"),
      sub("topic", "text-to-image"),
    ];
    const report = await s.builder.build(W17, subs, { popularity: "off" });
    expect(report.seen).toBe(10);
    expect(report.matched).toBe(10);
    const shown = report.chapters.filter((c) => c.items.length).map((c) => c.chapter);
    expect(shown).toEqual(["文生图", "文/图生视频", "智能体(Agent)"]);
    const video = report.chapters.find((c) => c.chapter === "文/图生视频");
    expect(video?.total).toBe(7);
    expect(video?.items).toHaveLength(5); // the 周报's cap per chapter
    expect(video?.items.map((i) => i.paper.id).slice(0, 2)).toEqual(["2404.10004", "2404.10005"]);
    const ids = report.chapters.flatMap((c) => c.items.map((i) => i.paper.id));
    expect(new Set(ids).size).toBe(ids.length);
    // the total cap
    const capped = await s.builder.build(W17, subs, {
      popularity: "off",
      caps: { perChapter: 5, total: 3 },
    });
    expect(capped.chapters.reduce((n, c) => n + c.items.length, 0)).toBe(3);
    // header: counts per chapter, rose against last week (which was seen and quiet)
    const text = plainText(reportMessage(report));
    expect(text).toContain("本期 arXiv 共 10 篇新论文，其中 10 篇匹配订阅");
    expect(text).toContain("各章节：文生图 1，文/图生视频 7，智能体(Agent) 2");
    expect(text).toContain("比上期多：文/图生视频 +7，智能体(Agent) +2，文生图 +1");
    expect(text).toContain("排序依据：推荐指数、订阅匹配");
    expect(text.indexOf("文生图（1 篇）")).toBeLessThan(
      text.indexOf("文/图生视频（7 篇，精选 5 篇）"),
    );
  });

  it("says what fell against the previous period, and when the previous one is unknown", async () => {
    const s = reportsSetup();
    s.seed("2024-04-15", [
      { id: "2404.00001", topic: "agent" },
      { id: "2404.00002", topic: "agent" },
    ]);
    s.seenEmpty(...WEEK16.slice(1));
    s.seed("2024-04-22", [{ id: "2404.10001", topic: "text-to-video" }]);
    s.seenEmpty(...WEEK17.slice(1));
    const subs = [sub("topic", "text-to-video"), sub("topic", "agent")];
    const text = plainText(reportMessage(await s.builder.build(W17, subs, { popularity: "off" })));
    expect(text).toContain("比上期多：文/图生视频 +1");
    expect(text).toContain("比上期少：智能体(Agent) -2");
    // W16's previous week (W15) was never ingested: no comparison is invented.
    const w16 = plainText(reportMessage(await s.builder.build(W16, subs, { popularity: "off" })));
    expect(w16).toContain("上期数据不全，无法对比");
  });

  it("a period the store has not seen says so; a seen but quiet one says nothing matched", async () => {
    const s = reportsSetup();
    const unseen = await s.builder.build(W17, [sub("topic", "agent")], { popularity: "off" });
    expect(unseen.unseen).toBe(true);
    expect(plainText(reportMessage(unseen))).toContain("还没有收录 2024年第17周");
    expect(plainText(reportMessage(unseen))).toContain("这不代表这段时间没有新论文");
    s.seed("2024-04-22", [{ id: "2404.10001", topic: "text-to-video" }]);
    s.seenEmpty(...WEEK17.slice(1));
    const empty = await s.builder.build(W17, [sub("topic", "agent")], { popularity: "off" });
    expect(empty.unseen).toBe(false);
    expect(empty.matched).toBe(0);
    expect(plainText(reportMessage(empty))).toContain("没有匹配订阅的论文");
    // part of the week missing: reported, not hidden
    const s2 = reportsSetup();
    s2.seed("2024-04-22", [{ id: "2404.10001", topic: "agent" }]);
    const partial = await s2.builder.build(W17, [sub("topic", "agent")], { popularity: "off" });
    expect(partial.missingDates).toEqual(WEEK17.slice(1));
    expect(plainText(reportMessage(partial))).toContain("还没有收录这些公告日的论文：2024-04-23");
  });

  it("headlines: 【单位 提出 方法名：一句话】 with known affiliations, else the first author's family name", async () => {
    const s = reportsSetup({
      affiliations: {
        affiliationsOf: (ids) =>
          new Map(ids.filter((id) => id === "2404.10003").map((id) => [id, ["清华大学", "Meta"]])),
      },
    });
    s.seed("2024-04-22", [
      {
        id: "2404.10001",
        topic: "text-to-image",
        title: "MultiBooth: Towards Generating All Your Concepts in an Image from Text",
        authors: [
          { name: "Chenyang Zhu", affiliations: ["Tsinghua University"] },
          { name: "Kai Li", affiliations: [] },
        ],
        tldr: "多概念文生图定制新方法。",
      },
      { id: "2404.10002", topic: "text-to-image", title: "A study of things", tldr: "一项研究" },
      { id: "2404.10003", topic: "text-to-image", title: "DiffFit: Simple Fine-Tuning" },
    ]);
    const report = await s.builder.build(W17, [sub("topic", "text-to-image")], {
      popularity: "off",
    });
    const heads = report.chapters.flatMap((c) => c.items.map((i) => [i.paper.id, i.headline]));
    const byId = Object.fromEntries(heads);
    expect(byId["2404.10001"]).toBe(
      "【Tsinghua University 提出 MultiBooth：多概念文生图定制新方法】",
    );
    expect(byId["2404.10002"]).toBe("【Li 等：一项研究】");
    expect(byId["2404.10003"]).toMatch(/^【清华大学、Meta 提出 DiffFit：/);
    const item = report.chapters.flatMap((c) => c.items)[0];
    expect(item?.sentences.length).toBeGreaterThanOrEqual(2);
    expect(item?.sentences.length).toBeLessThanOrEqual(3);
    expect(familyName("Li, X.")).toBe("Li");
    expect(familyName("Martin Luther King Jr.")).toBe("King");
    expect(
      methodName({
        title_en: "On the Limits of Scaling Laws in Very Large Models: A Study",
        title_zh: "",
      }),
    ).toBe(null);
  });

  it("ranks as the daily digest: followed authors first, then the learned order, muted papers left out", async () => {
    const learnedFor: number[] = [];
    const s = reportsSetup({
      ranking: {
        filtersFor: (chats) =>
          new Map(
            chats
              .filter((c) => c === 1)
              .map((c) => [c, { mutes: ["distillation"], minScore: null }]),
          ),
        hasModel: (chat) => chat === 1,
        learnedScores: (chat, papers) => {
          learnedFor.push(chat);
          return new Map(papers.map((p) => [p.id, p.id === "2404.10004" ? 5 : 1]));
        },
      },
    });
    s.seed("2024-04-22", [
      { id: "2404.10001", topic: "agent", score: 5, title: "Planning with agents" },
      { id: "2404.10002", topic: "agent", score: 5, title: "Distillation for agents" },
      {
        id: "2404.10003",
        topic: "agent",
        score: 1,
        authors: [{ name: "Yann LeCun", affiliations: [] }],
      },
      { id: "2404.10004", topic: "agent", score: 2, title: "Tools for agents" },
    ]);
    const subs = [sub("topic", "agent"), sub("author", followValue("Yann LeCun"))];
    const report = await s.builder.build(W17, subs, { chat: 1, popularity: "off" });
    const ids = report.chapters.flatMap((c) => c.items.map((i) => i.paper.id));
    expect(ids).toEqual(["2404.10003", "2404.10004", "2404.10001"]);
    expect(report.chapters.flatMap((c) => c.items).find((i) => i.followed)?.paper.id).toBe(
      "2404.10003",
    );
    expect(report.matched).toBe(3);
    expect(report.signals).toContain("ranking");
    expect(learnedFor).toEqual([1]);
    // a chat without a model or filters: the shared path, 推荐指数 order, the follow still first
    const plain = await s.builder.build(W17, subs, { chat: 2, popularity: "off" });
    expect(plain.chapters.flatMap((c) => c.items.map((i) => i.paper.id))).toEqual([
      "2404.10003",
      "2404.10001",
      "2404.10002",
      "2404.10004",
    ]);
    expect(plain.signals).not.toContain("ranking");
    expect(learnedFor).toEqual([1]);
    expect(s.builder.isPersonal(1, undefined)).toBe(true);
    expect(s.builder.isPersonal(2, undefined)).toBe(false);
    // without a chat (the public page), no personal ranking applies
    const all = await s.builder.build(W17, null, { popularity: "off" });
    expect(all.chapters.flatMap((c) => c.items.map((i) => i.paper.id))).toHaveLength(4);
  });

  it("matches keywords, follows and mutes whether a chat had them before the period was indexed or added them after", async () => {
    const s = reportsSetup();
    s.seed("2024-04-22", [
      { id: "2404.10001", topic: "agent", title: "World models for robots" },
      { id: "2404.10002", topic: "agent", title: "Tool use with large language models" },
      { id: "2404.10003", topic: "agent", title: "Planning", tldr: "扩散模型用于规划。" },
      { id: "2404.10004", topic: "agent", authors: [{ name: "Yann LeCun", affiliations: [] }] },
    ]);
    const chat = s.chats.ensure({ platform: "telegram", chatId: "-3001", type: "group" });
    // known before indexing: found in the one pass over the period
    s.subscriptions.add(chat.id, "keyword", "world model", null);
    const ids = (r: Awaited<ReturnType<typeof s.builder.build>>) =>
      r.chapters.flatMap((c) => c.items.map((i) => i.paper.id)).sort();
    const before = await s.builder.build(W17, s.subscriptions.list(chat.id), { popularity: "off" });
    expect(ids(before)).toEqual(["2404.10001"]);
    // asked for after the period was indexed: the period is read again for them
    const later = [
      sub("keyword", "language model"),
      sub("keyword", "扩散模型"),
      sub("author", followValue("Yann LeCun")),
    ];
    const after = await s.builder.build(W17, later, { popularity: "off" });
    expect(ids(after)).toEqual(["2404.10002", "2404.10003", "2404.10004"]);
    const muted = await s.builder.build(W17, [sub("topic", "agent")], {
      chat: 9,
      filters: { mutes: ["扩散模型", "robots"], minScore: null },
      popularity: "off",
    });
    expect(ids(muted)).toEqual(["2404.10002", "2404.10004"]);
  });

  it("the TL;DR table: Ref | Title | Summary in Markdown and HTML, a numbered list in chats", async () => {
    const s = reportsSetup();
    s.seed("2024-04-22", [
      { id: "2404.10001", topic: "agent", tldr: "智能体 | 规划" },
      { id: "2404.10002", topic: "text-to-video" },
    ]);
    const report = await s.builder.build(W17, null, { popularity: "off" });
    const md = reportMarkdown(report, "table");
    expect(md).toContain("| Ref | Title | Summary |");
    expect(md).toContain("| --- | --- | --- |");
    expect(md).toContain(
      "| [2404.10001](https://arxiv.org/abs/2404.10001) | 中文标题 2404.10001 | 智能体 \\| 规划 |",
    );
    const html = reportHtml(report, "table");
    expect(html).toContain("<th>Ref</th><th>Title</th><th>Summary</th>");
    expect(htmlProblems(html)).toEqual([]);
    const chat = plainText(reportMessage(report, "table"));
    expect(chat).toMatch(/1\. 2404\.10002 中文标题 2404\.10002 — /);
    expect(chat).toMatch(/2\. 2404\.10001 中文标题 2404\.10001 — 智能体 \| 规划/);
    expect(toMarkdown(reportMessage(report, "table"))).toContain("2404.10001");
  });

  it("the HTML report validates: every tag closed, nothing from a paper runs as markup", async () => {
    const s = reportsSetup();
    s.seed("2024-04-22", [
      {
        id: "2404.10001",
        topic: "agent",
        title: `<script>alert("x")</script> & <img src=x onerror=alert(1)>: Attack`,
        authors: [{ name: `<b onclick="x">Eve</b>`, affiliations: [`"><script>1</script>`] }],
        keywords: ["<i>kw</i>"],
        codeUrl: "javascript:alert(1)",
      },
    ]);
    s.seenEmpty(...WEEK17.slice(1));
    const report = await s.builder.build(W17, null, { popularity: "off" });
    for (const layout of ["headlines", "table"] as const) {
      const html = reportHtml(report, layout, new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
      expect(htmlProblems(html), layout).toEqual([]);
      expect(html).toContain("&lt;script&gt;");
      expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    }
    const json = reportJson(report) as { chapters: { items: { links: { code: unknown } }[] }[] };
    expect(json.chapters.flatMap((c) => c.items)[0]?.links.code).toBeNull();
  });
});
