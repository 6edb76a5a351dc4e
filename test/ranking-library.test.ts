/**
 * A person's papers: /saved, /export (BibTeX read back by a BibTeX parser, CSV), alerts on a
 * saved paper's new version or code exactly once, /similar, /top and /forget.
 */
import { parse as parseBibtex } from "@retorquere/bibtex-parser";
import { describe, expect, it } from "vitest";
import type { ButtonPress } from "../src/commands/types.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { encodePress } from "../src/digest/buttons.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { toBibtex, toCsv } from "../src/ranking/export.ts";
import type { Paper } from "../src/store/paper.ts";
import { GROUP, PRIVATE, paper, realCard, setup } from "./commands-setup.ts";

type S = ReturnType<typeof setup>;

function star(s: S, chat: ChatAddress, userId: string, paperId: string): Promise<unknown> {
  const press: ButtonPress = {
    chat,
    userId,
    data: encodePress({ action: "star", paperId, number: 1 }),
    message: { id: "1", buttons: [] },
    isAdmin: async () => false,
  };
  return s.bot.press(press);
}

function vote(s: S, chat: ChatAddress, userId: string, paperId: string): Promise<unknown> {
  return s.bot.press({
    chat,
    userId,
    data: encodePress({ action: "up", paperId, number: 1 }),
    message: { id: "1", buttons: [] },
    isAdmin: async () => false,
  });
}

const tricky: Paper = paper("2404.12382", {
  title: 'Lazy {Diffusion} Transformer for $\\alpha$-Editing & 100% "fun"',
  authors: [
    { name: "Yotam Nitzan", affiliations: [] },
    { name: "Zongze Wu", affiliations: [] },
    { name: "José Hernández-Orallo", affiliations: [] },
  ],
  primaryCategory: "cs.CV",
  categories: ["cs.CV", "cs.LG"],
  published: "2024-04-18T17:59:57Z",
});

describe("export", () => {
  it("BibTeX entries read back as arXiv's own @misc with eprint, archivePrefix, primaryClass", () => {
    const unbalanced = paper("hep-th/9901001", {
      title: "An {unbalanced title",
      primaryCategory: "hep-th",
      published: "1999-01-04T00:00:00Z",
    });
    const bib = toBibtex([tricky, unbalanced, { ...tricky, id: "2404.99999" }]);
    const library = parseBibtex(bib);
    expect(library.errors).toEqual([]);
    expect(library.entries).toHaveLength(3);
    const [first, second, third] = library.entries;
    expect(first?.type).toBe("misc");
    expect(first?.fields.eprint).toBe("2404.12382");
    expect(first?.fields.archiveprefix).toBe("arXiv");
    expect(first?.fields.primaryclass).toBe("cs.CV");
    expect(first?.fields.year).toBe("2024");
    expect(first?.fields.url).toBe("https://arxiv.org/abs/2404.12382");
    expect(first?.fields.author).toHaveLength(3);
    expect(first?.key).toBe("nitzan2024lazy");
    expect(second?.fields.eprint).toBe("hep-th/9901001");
    expect(second?.fields.year).toBe("1999");
    // keys stay unique
    expect(third?.key).not.toBe(first?.key);
  });

  it("CSV quotes fields and defuses spreadsheet formulas", () => {
    const csv = toCsv([
      { paper: tricky, savedAt: "2024-04-25T00:00:00Z" },
      { paper: paper("2404.00001", { title: '=HYPERLINK("x")' }), savedAt: "x" },
    ]);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("arxiv_id,version,title,title_zh,authors,primary_category,url,saved_at");
    expect(lines[1]).toContain(
      '"Lazy {Diffusion} Transformer for $\\alpha$-Editing & 100% ""fun"""',
    );
    expect(lines[2]).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it("/export sends the saved papers as a file", async () => {
    const s = setup();
    s.papers.upsert(tricky);
    expect(await s.say("/export bibtex", { chat: PRIVATE, userId: "42" })).toContain("还没有收藏");
    await star(s, PRIVATE, "42", tricky.id);
    const [reply] = await s.send("/export bibtex", { chat: PRIVATE, userId: "42" });
    const file = reply?.attachments?.[0];
    expect(file?.filename).toBe("sudi-saved.bib");
    const bib = Buffer.from(file?.data ?? "", "base64").toString("utf8");
    expect(parseBibtex(bib).entries).toHaveLength(1);
    const [csv] = await s.send("/export csv", { chat: PRIVATE, userId: "42" });
    expect(csv?.attachments?.[0]?.mime).toBe("text/csv");
    expect(await s.say("/export pdf", { chat: PRIVATE, userId: "42" })).toContain("用法");
  });
});

describe("saved-paper alerts", () => {
  function alertSetup() {
    const s = setup();
    const v1 = paper("2404.00051", { title: "Video generation v1" });
    s.papers.upsert(v1, { date: "2024-04-24", type: "new" });
    s.cards.put(realCard(v1));
    return { s, v1 };
  }

  it("a new version alerts exactly once, in the person's private chat when they have one", async () => {
    const { s, v1 } = alertSetup();
    const privateChat = s.chats.ensure(PRIVATE); // the person (42) talks to the bot privately
    s.subscriptions.add(privateChat.id, "topic", "text-to-video", null);
    await star(s, GROUP, "42", v1.id); // saved in the group
    s.papers.upsert({ ...v1, version: 2 });
    const next = paper("2404.00052", { title: "Video generation, the next day" });
    s.papers.upsert(next, { date: "2024-04-25", type: "new" });
    s.cards.put(realCard(next));

    const [digest] = s.digests.forChats([privateChat], "2024-04-25");
    expect(toPlainText(digest?.message ?? { blocks: [] })).toContain("2404.00051 有新版本 v2");
    // the alert is not repeated by later runs, nor duplicated into the group
    const again = s.digests.forChats([privateChat], "2024-04-25");
    expect(again.map((d) => toPlainText(d.message)).join("")).not.toContain("有新版本");
    s.subscriptions.add(s.chats.ensure(GROUP).id, "topic", "text-to-video", null);
    const group = s.digests.forChats([s.chats.ensure(GROUP)], "2024-04-25");
    expect(group.map((d) => toPlainText(d.message)).join("")).not.toContain("有新版本");
  });

  it("without a private chat, a newly found code link goes into their line of the group digest", async () => {
    const { s, v1 } = alertSetup();
    const group = s.chats.ensure(GROUP);
    s.subscriptions.add(group.id, "topic", "text-to-video", null);
    await s.bot.handle({
      chat: GROUP,
      userId: "77",
      userName: "小刚",
      text: "/subscribe me 文生视频",
      isAdmin: async () => false,
    });
    await star(s, GROUP, "77", v1.id);
    s.papers.upsert({ ...v1, version: 2, codeUrl: "https://github.com/example/video" });
    const next = paper("2404.00053", { title: "Video generation again" });
    s.papers.upsert(next, { date: "2024-04-25", type: "new" });
    s.cards.put(realCard(next));
    const [digest] = s.digests.forChats([group], "2024-04-25");
    expect(toPlainText(digest?.message ?? { blocks: [] })).toContain(
      "收藏更新：2404.00051 公开了代码",
    );
    const [later] = s.digests.forChats([group], "2024-04-25");
    expect(toPlainText(later?.message ?? { blocks: [] })).not.toContain("公开了代码");
  });
});

describe("/similar, /top and /forget", () => {
  it("/similar lists the nearest stored papers; /top the group's most liked", async () => {
    const s = setup();
    const papers = [
      paper("2404.00061", {
        title: "Diffusion models for video generation",
        abstract: "A video diffusion model with temporal attention generates videos.",
      }),
      paper("2404.00062", {
        title: "Temporal attention in video diffusion",
        abstract: "Video diffusion models with temporal attention layers.",
      }),
      paper("2404.00063", {
        title: "Tool use for language agents",
        abstract: "Agents call tools and plan with a language model.",
      }),
    ];
    for (const p of papers) s.papers.upsert(p, { date: "2024-04-24", type: "new" });
    s.personal.ranker.index(papers);
    const similar = await s.say("/similar 2404.00061");
    expect(similar).toContain("1. Temporal attention in video diffusion");
    expect(await s.say("/similar 2404.99999")).toContain("还没有收录");
    expect(await s.say("/similar <b>")).toContain("用法");

    expect(await s.say("/top")).toContain("还没有人");
    await vote(s, GROUP, "1", "2404.00063");
    await vote(s, GROUP, "2", "2404.00063");
    await star(s, GROUP, "3", "2404.00062");
    const top = await s.say("/top");
    expect(top.indexOf("2404.00063")).toBeLessThan(top.indexOf("2404.00062"));
    expect(top).toContain("（2 个赞/收藏）");
  });

  it("/forget deletes the person's votes and saved papers, and nobody else's", async () => {
    const s = setup();
    const p = paper("2404.00071");
    s.papers.upsert(p, { date: "2024-04-24", type: "new" });
    await vote(s, GROUP, "5", p.id);
    await star(s, GROUP, "5", p.id);
    await vote(s, GROUP, "6", p.id);
    expect(await s.say("/forget", { userId: "5" })).toContain("已删除你的 1 个投票和 1 篇收藏");
    expect(await s.say("/saved", { userId: "5" })).toContain("还没有收藏");
    const counts = s.personal.votes.counts(s.chats.ensure(GROUP).id, [p.id]).get(p.id);
    expect(counts).toEqual({ up: 1, down: 0, star: 0 });
  });
});
