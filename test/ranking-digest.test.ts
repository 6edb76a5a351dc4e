/**
 * Personal digests through the chat commands: follows pinned and capped, mutes and the minimum
 * score (and how a follow beats both), traditional-script keywords, and members' own
 * subscriptions with real mentions in a group.
 */
import { describe, expect, it } from "vitest";
import { renderDiscordPayload } from "../bots/discord/render.ts";
import { toTelegramHtml } from "../bots/telegram/render.ts";
import type { ChatAddress } from "../src/core/address.ts";
import type { RichMessage } from "../src/core/message.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import type { Paper } from "../src/store/paper.ts";
import { GROUP, PRIVATE, paper, realCard, setup } from "./commands-setup.ts";

const DAY = "2024-04-24";
type S = ReturnType<typeof setup>;

function announce(s: S, p: Paper, card?: Parameters<typeof realCard>[1] | null) {
  s.papers.upsert(p, { date: DAY, type: "new" });
  if (card !== null) s.cards.put(realCard(p, card ?? {}));
}

const ids = (d: { items: { paper: Paper }[] } | null) => d?.items.map((i) => i.paper.id) ?? [];

/** Sends a command as a named member (what the adapters pass). */
function as(s: S, userId: string, userName: string, text: string, chat: ChatAddress = GROUP) {
  return s.bot.handle({ chat, userId, userName, text, isAdmin: async () => false });
}

describe("mute and minimum score", () => {
  it("drop matched papers, count the low scores, keep fallback cards, and yield to a follow", async () => {
    const s = setup();
    const good = paper("2404.00001", { title: "Video generation done well" });
    const low = paper("2404.00002", { title: "Video generation done poorly" });
    const pending = paper("2404.00003", { title: "Video generation awaiting its card" });
    const bench = paper("2404.00004", {
      title: "Another video model",
      abstract: "We release a new benchmark for video generation.",
    });
    const followed = paper("2404.00005", {
      title: "A benchmark by someone we follow",
      abstract: "A benchmark.",
      authors: [{ name: "Yuhong Li", affiliations: [] }],
      categories: ["cs.CV"],
    });
    announce(s, good, { score: 5 });
    announce(s, low, { score: 2 });
    // no card stored: the digest uses a fallback card, which has no score
    announce(s, pending, null);
    announce(s, bench, { score: 5 });
    announce(s, followed, { score: 1, topics: ["agents"] });
    expect(await s.say("/subscribe 文生视频")).toContain("已订阅");
    expect(await s.say("/setminscore 3")).toContain("≥ 3");
    expect(await s.say("/mute Benchmark")).toContain("已屏蔽「benchmark」");
    const followReply = await s.say("/follow Yuhong Li");
    expect(followReply).toContain("已关注作者「Yuhong Li」");
    expect(followReply).toContain("cs.CV"); // follows only see the configured categories

    const chat = s.chats.ensure(GROUP);
    const digest = s.digests.forChat(chat);
    // the follow is pinned first although it is muted and under the minimum score
    expect(ids(digest)).toEqual(["2404.00005", "2404.00001", "2404.00003"]);
    expect(digest?.items[0]?.pinned).toBe(true);
    const text = toPlainText(digest?.message ?? { blocks: [] });
    expect(text).toContain("【👤 关注的作者】1 篇");
    expect(text).toContain("👤 关注的作者：Yuhong Li");
    expect(text).toContain("另有 1 篇低于 3 分");
    expect(text).toContain("📌 命中：文生视频");

    // settings changed by admins only; /unmute and /setminscore off undo them
    expect(await s.say("/mute survey", { admin: false })).toContain("只有群管理员");
    expect(await s.say("/unmute benchmark")).toContain("已取消屏蔽");
    expect(await s.say("/setminscore off")).toContain("已取消");
    expect(ids(s.digests.forChat(chat))).toContain("2404.00004");
    expect(ids(s.digests.forChat(chat))).toContain("2404.00002");
    expect(await s.say("/setminscore 6")).toContain("用法");
  });

  it("pins at most five followed papers and counts the rest", async () => {
    const s = setup();
    for (let i = 1; i <= 7; i++) {
      announce(s, paper(`2404.0001${i}`, { authors: [{ name: "Kaiming He", affiliations: [] }] }), {
        score: 3,
      });
    }
    await s.say("/follow He Kaiming");
    const digest = s.digests.forChat(s.chats.ensure(GROUP));
    expect(digest?.items.filter((i) => i.pinned)).toHaveLength(5);
    expect(toPlainText(digest?.message ?? { blocks: [] })).toContain("另有 2 篇来自你关注的作者");
  });

  it("a bare initial with a common surname pins nothing until a cue is added", async () => {
    const s = setup();
    announce(
      s,
      paper("2404.00021", {
        authors: [{ name: "Yuhong Li", affiliations: [] }],
        categories: ["cs.CV"],
      }),
    );
    const reply = await s.say("/follow Y. Li");
    expect(reply).toContain("常见姓氏");
    expect(s.digests.forChat(s.chats.ensure(GROUP))).toBeNull();
    await s.say("/unfollow Y. Li");
    await s.say("/follow Y. Li | cs.CV");
    expect(ids(s.digests.forChat(s.chats.ensure(GROUP)))).toEqual(["2404.00021"]);
  });

  it("a quoted traditional-script keyword matches simplified cards", async () => {
    const s = setup();
    const p = paper("2404.00031", { title: "Something else" });
    announce(s, p, { tldr: "一种新的视频生成方法。", topics: ["agents"] });
    expect(await s.say('/subscribe "視頻生成"')).toContain("视频生成");
    expect(ids(s.digests.forChat(s.chats.ensure(GROUP)))).toEqual(["2404.00031"]);
    // and a traditional-script mute drops it the same way
    await s.say("/mute 視頻生成");
    expect(s.digests.forChat(s.chats.ensure(GROUP))).toBeNull();
  });
});

describe("members' own subscriptions in a group", () => {
  function setupGroup() {
    const s = setup();
    announce(s, paper("2404.00041", { title: "Video generation A" }), { score: 4 });
    announce(s, paper("2404.00042", { title: "Agents B" }), { score: 4, topics: ["agents"] });
    return s;
  }

  it("any member subscribes for themselves and is mentioned in the digest's last lines", async () => {
    const s = setupGroup();
    await s.say("/subscribe 智能体"); // the group's own, by an admin
    // a member who is not an admin: their own subscription is allowed…
    expect(await as(s, "2001", "小明", "/subscribe me 文生视频").then(plain)).toContain(
      "已为你订阅「文生视频」",
    );
    // …but the group's subscriptions still need an admin
    expect(await as(s, "2001", "小明", "/subscribe 文生图").then(plain)).toContain("只有群管理员");
    expect(await as(s, "2001", "小明", "/list me").then(plain)).toContain("文生视频");

    const chat = s.chats.ensure(GROUP);
    const digest = s.digests.forChat(chat);
    expect(ids(digest).sort()).toEqual(["2404.00041", "2404.00042"]);
    const message = digest?.message ?? { blocks: [] };
    expect(toPlainText(message)).toMatch(/👤 @小明：1 篇（文生视频）[①②]/u);
    const mention = message.blocks.flatMap((b) => b.lines.flat()).find((sp) => sp.mention);
    expect(mention).toEqual({ text: "@小明", mention: "2001" });
    // Telegram: a text mention; Discord: <@id>, allowed for that user only
    expect(toTelegramHtml(message)).toContain('<a href="tg://user?id=2001">@小明</a>');
    const payload = renderDiscordPayload({ blocks: message.blocks.slice(-3) });
    expect(payload.allowed_mentions).toEqual({ parse: [], users: ["2001"] });
    expect(JSON.stringify(payload)).toContain("<@2001>");

    // /mention off keeps the line and drops the ping
    expect(await as(s, "2001", "小明", "/mention off").then(plain)).toContain("不 @ 你");
    const quiet = s.digests.forChat(chat)?.message ?? { blocks: [] };
    expect(toPlainText(quiet)).toContain("👤 小明：1 篇（文生视频）");
    expect(quiet.blocks.flatMap((b) => b.lines.flat()).some((sp) => sp.mention)).toBe(false);
    expect(renderDiscordPayload({ blocks: quiet.blocks.slice(-3) }).allowed_mentions).toEqual({
      parse: [],
    });
  });

  it("a member without subscriptions there is not mentioned; me in a private chat is the person's own", async () => {
    const s = setupGroup();
    await s.say("/subscribe 智能体");
    await as(s, "2002", "小红", "/follow me Yuhong Li");
    await as(s, "2002", "小红", "/unfollow me Yuhong Li");
    const text = toPlainText(s.digests.forChat(s.chats.ensure(GROUP))?.message ?? { blocks: [] });
    expect(text).not.toContain("小红");
    expect(await as(s, "42", "Ada", "/subscribe me 文生视频", PRIVATE).then(plain)).toContain(
      "已订阅主题「文生视频」",
    );
    expect(await s.say("/mention off", { chat: PRIVATE })).toContain("只在群里有用");
  });
});

function plain(messages: RichMessage[]): string {
  return messages.map(toPlainText).join("\n\n");
}
