import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArxivClient } from "../src/arxiv/client.ts";
import { ingestAnnouncement } from "../src/arxiv/ingest.ts";
import { DigestService } from "../src/digest/digest.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import type { Chat } from "../src/store/chats.ts";
import type { Paper } from "../src/store/paper.ts";
import type { Subscription } from "../src/store/subscriptions.ts";
import { GROUP, PRIVATE, paper, realCard, setup } from "./commands-setup.ts";
import { FIXTURES_DIR } from "./fakes/arxiv.ts";

const DAY1 = "2024-04-24";
const DAY2 = "2024-04-25";

function groupChat(s: ReturnType<typeof setup>, subs: [Subscription["kind"], string][]): Chat {
  const chat = s.chats.ensure(GROUP);
  for (const [kind, value] of subs) s.subscriptions.add(chat.id, kind, value, null);
  return chat;
}

function announce(
  s: ReturnType<typeof setup>,
  p: Paper,
  date = DAY1,
  type: "new" | "cross" = "new",
) {
  s.papers.upsert(p, { date, type });
}

const ids = (d: { items: { paper: Paper }[] } | null) => d?.items.map((i) => i.paper.id) ?? [];

describe("selecting a chat's digest", () => {
  it("ranks by matched subscriptions, then 推荐指数, and caps by the chat's limit", () => {
    const s = setup();
    const both = paper("2404.00001", { title: "Text-to-video agents", categories: ["cs.CV"] });
    const top = paper("2404.00002", { title: "Video generation at scale" });
    const low = paper("2404.00003", { title: "Video generation, slowly" });
    const off = paper("2404.00004", { title: "Graph colouring" });
    for (const p of [both, top, low, off]) announce(s, p);
    s.cards.put(realCard(both, { score: 2 }));
    s.cards.put(realCard(top, { score: 5 }));
    s.cards.put(realCard(low, { score: 1 }));
    const chat = groupChat(s, [
      ["topic", "text-to-video"],
      ["category", "cs.CV"],
    ]);
    const digest = s.digests.forChat(chat);
    expect(ids(digest)).toEqual(["2404.00001", "2404.00002", "2404.00003"]);
    expect(digest?.items[0]?.matched.map((m) => m.value)).toEqual(["text-to-video", "cs.CV"]);
    expect(digest?.totalMatched).toBe(3);

    const capped = s.digests.forChat(s.chats.update(chat.id, { digestLimit: 2 }));
    expect(ids(capped)).toEqual(["2404.00001", "2404.00002"]);
    expect(toPlainText(capped?.message ?? { blocks: [] })).toContain(
      "共 3 篇匹配订阅，本期精选 2 篇",
    );
  });

  it("groups papers into chapters in the taxonomy's order, with header and footer", () => {
    const s = setup();
    const agent = paper("2404.00011", { title: "An LLM agent for tool use" });
    const t2i = paper("2404.00012", { title: "Text-to-image diffusion" });
    announce(s, agent);
    announce(s, t2i);
    s.cards.put(realCard(agent, { topics: ["agent"], score: 5, title_zh: "智能体论文" }));
    s.cards.put(realCard(t2i, { topics: ["text-to-image"], score: 1, title_zh: "文生图论文" }));
    const chat = groupChat(s, [
      ["topic", "agent"],
      ["topic", "text-to-image"],
    ]);
    const text = toPlainText(s.digests.forChat(chat)?.message ?? { blocks: [] });
    expect(text).toMatch(/^📰 论文速递 · 2024-04-24\n订阅：智能体、文生图\n共 2 篇/);
    expect(text.indexOf("【文生图】1 篇")).toBeLessThan(text.indexOf("【智能体(Agent)】1 篇"));
    expect(text.indexOf("文生图论文")).toBeLessThan(text.indexOf("智能体论文"));
    expect(text).toContain("/unsubscribe");
  });

  it("never repeats a paper already sent, even as a new version or a cross-list on a later day", () => {
    const s = setup();
    const p = paper("2404.00021", { title: "Text-to-video generation", categories: ["cs.CV"] });
    announce(s, p, DAY1, "new");
    const chat = groupChat(s, [
      ["topic", "text-to-video"],
      ["category", "cs.LG"],
    ]);
    const first = s.digests.forChats([chat], DAY1);
    expect(first.flatMap(ids)).toEqual(["2404.00021"]);
    s.outbox.recordSent(chat.id, DAY1, ["2404.00021"]);

    // Day 2: version 2, now also listed under cs.LG as a cross-list, and a fresh paper.
    announce(s, { ...p, version: 2, categories: ["cs.CV", "cs.LG"] }, DAY2, "cross");
    announce(s, paper("2404.00022", { title: "Video generation again" }), DAY2, "new");
    expect(s.digests.forChats([chat], DAY2).flatMap(ids)).toEqual(["2404.00022"]);
    expect(ids(s.digests.forChat(chat, { date: DAY2 }))).toEqual(["2404.00022"]);
    // /digest shows it again on purpose.
    expect(ids(s.digests.forChat(chat, { date: DAY2, includeSent: true })).sort()).toEqual([
      "2404.00021",
      "2404.00022",
    ]);
  });

  it("skips papers in flight (pending) for the chat, and returns null when nothing is left", () => {
    const s = setup();
    const p = paper("2404.00031", { title: "Video generation" });
    announce(s, p);
    const chat = groupChat(s, [["topic", "text-to-video"]]);
    s.outbox.reserve(chat.id, DAY1, ["2404.00031"], "digest:x");
    expect(s.digests.forChat(chat)).toBeNull();
    expect(s.digests.forChats([chat], DAY1)).toEqual([]);
  });

  it("puts a written card before an untranslated fallback card that matched more subscriptions", () => {
    const s = setup();
    const both = paper("2404.00071", { title: "Text-to-video generation with diffusion agents" });
    const one = paper("2404.00072", { title: "A text-to-video model" });
    for (const p of [both, one]) announce(s, p);
    s.cards.put(realCard(one, { score: 5 }));
    const chat = groupChat(s, [
      ["topic", "text-to-video"],
      ["keyword", "agents"],
    ]);
    // both match 文生视频; only the fallback one also matches "agents"
    expect(ids(s.digests.forChat(chat))).toEqual(["2404.00072", "2404.00071"]);
  });

  it("lists a paper once even when the day's listing carries it twice", () => {
    const s = setup();
    const p = paper("2404.00041", { title: "Video generation" });
    const digests = new DigestService({
      papers: { announced: () => [p, { ...p, version: 2 }], latestAnnounceDate: () => DAY1 },
      cards: s.cards,
      subscriptions: s.subscriptions,
      outbox: s.outbox,
    });
    const chat = groupChat(s, [["topic", "text-to-video"]]);
    expect(ids(digests.forChat(chat))).toEqual(["2404.00041"]);
  });

  it("matches categories, whole archives, English keywords on words and Chinese keywords on cards", () => {
    const s = setup();
    const a = paper("2404.00051", { title: "Paragraph ranking", categories: ["cs.IR"] });
    const b = paper("2404.00052", { title: "Better RAG pipelines", categories: ["stat.ML"] });
    const c = paper("2404.00053", { title: "Untitled", categories: ["math.OC"] });
    for (const p of [a, b, c]) announce(s, p);
    s.cards.put(realCard(c, { tldr: "用世界模型做规划。" }));
    const byKind = (sub: [Subscription["kind"], string]) => {
      const chat = s.chats.ensure({ ...PRIVATE, chatId: sub.join(":") });
      s.subscriptions.add(chat.id, sub[0], sub[1], null);
      return ids(s.digests.forChat(chat)).sort();
    };
    expect(byKind(["category", "cs.IR"])).toEqual(["2404.00051"]);
    expect(byKind(["category", "cs"])).toEqual(["2404.00051"]);
    expect(byKind(["keyword", "rag"])).toEqual(["2404.00052"]);
    expect(byKind(["keyword", "世界模型"])).toEqual(["2404.00053"]);
  });

  it("uses a marked fallback card for a paper without one, and one line per paper when brief", () => {
    const s = setup();
    announce(s, paper("2404.00061", { title: "Video generation without a card" }));
    const chat = groupChat(s, [["topic", "text-to-video"]]);
    const full = toPlainText(s.digests.forChat(chat)?.message ?? { blocks: [] });
    // the test app has no LLM key, so the card says so
    expect(full).toContain("未配置 LLM，先看英文摘要：");
    const brief = s.digests.forChat(s.chats.update(chat.id, { density: "brief" }));
    const cards = brief?.message.blocks.filter((b) => b.kind === "card") ?? [];
    expect(cards.map((b) => [b.paperId, b.lines.length])).toEqual([["2404.00061", 1]]);
  });

  it("says 中文摘要生成中 on a fallback card only while an LLM may still write it", () => {
    const s = setup();
    announce(s, paper("2404.00062", { title: "Video generation without a key" }));
    const digests = new DigestService({
      papers: s.papers,
      cards: s.cards,
      subscriptions: s.subscriptions,
      outbox: s.outbox,
      llm: true,
    });
    const chat = groupChat(s, [["topic", "text-to-video"]]);
    const full = toPlainText(digests.forChat(chat)?.message ?? { blocks: [] });
    expect(full).toContain("⏳ 中文摘要生成中，先看英文摘要：");
    expect(full).not.toContain("未配置 LLM");
  });

  it("builds the same digests in bulk as one by one", () => {
    const s = setup();
    const topics = ["text-to-video", "text-to-image", "agent", "alignment"];
    for (let i = 0; i < 40; i++) {
      const p = paper(`2404.${String(10000 + i)}`, { title: `Paper ${i}` });
      announce(s, p);
      s.cards.put(realCard(p, { topics: [topics[i % 4] ?? "other"], score: (i % 5) + 1 }));
    }
    const chats = topics.map((t, i) => {
      const chat = s.chats.ensure({ ...PRIVATE, chatId: `u${i}` });
      s.subscriptions.add(chat.id, "topic", t, null);
      s.subscriptions.add(chat.id, "topic", topics[(i + 1) % 4] ?? "agent", null);
      return chat;
    });
    const bulk = s.digests.forChats(chats, DAY1);
    expect(bulk.map((d) => ids(d))).toEqual(chats.map((c) => ids(s.digests.forChat(c))));
    expect(bulk.every((d) => d.items.length === 10)).toBe(true);
  });
});

describe("digests from real announcement feeds", () => {
  it("a replaced paper (new version) is never announced or sent again the next day", async () => {
    const s = setup();
    const ingest = (file: string) =>
      ingestAnnouncement(
        {
          // A file ingest makes no request; the client points nowhere to prove it.
          client: new ArxivClient({
            apiUrl: "http://127.0.0.1:9/api/query",
            rssUrl: "http://127.0.0.1:9/atom",
            minIntervalMs: 0,
          }),
          store: s.papers,
        },
        { categories: ["cs.CL", "cs.CV", "cs.LG"], file: join(FIXTURES_DIR, file) },
      );
    await ingest("feed-2024-04-24-cs.CL+cs.CV+cs.LG.rss.xml");
    const chat = groupChat(s, [["topic", "text-to-image"]]);
    const day1 = s.digests.forChats([chat], DAY1)[0];
    expect(ids(day1 ?? null)).toContain("2404.01197");
    s.outbox.recordSent(chat.id, DAY1, ids(day1 ?? null));

    await ingest("feed-2024-04-25-cs.CL+cs.CV+cs.LG.atom.xml");
    expect(s.papers.get("2404.01197")?.version).toBe(2);
    const day2 = s.digests.forChats([s.chats.update(chat.id, { digestLimit: 30 })], DAY2);
    expect(day2.flatMap(ids)).not.toContain("2404.01197");
  });
});
