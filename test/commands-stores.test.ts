import { describe, expect, it } from "vitest";
import { toPlainText } from "../src/digest/render/text.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import { PaperStore } from "../src/store/papers.ts";
import { ftsQuery, queryTerms, SearchStore } from "../src/store/search.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { GROUP, PRIVATE, paper, setup } from "./commands-setup.ts";

function stores() {
  const db = openDatabase(":memory:");
  return {
    db,
    chats: new ChatStore(db, { timezone: "Europe/Berlin", digestTime: "08:00" }),
    subs: new SubscriptionStore(db),
    outbox: new OutboxStore(db),
  };
}

describe("ChatStore", () => {
  it("creates a chat with the defaults once and keeps its settings on later contact", () => {
    const { chats } = stores();
    const chat = chats.ensure(GROUP);
    expect(chat).toMatchObject({
      platform: "telegram",
      chatId: GROUP.chatId,
      type: "group",
      timezone: "Europe/Berlin",
      digestTime: "08:00",
      paused: false,
      digestLimit: 10,
      density: "full",
      active: true,
    });
    chats.update(chat.id, { digestTime: "21:00", density: "brief" });
    const again = chats.ensure({ ...GROUP, title: "新群名" });
    expect(again.id).toBe(chat.id);
    expect(again.digestTime).toBe("21:00");
    expect(again.title).toBe("新群名");
  });

  it("keeps 64-bit Discord ids exactly, as text", () => {
    const { chats } = stores();
    const id = "1234567890123456789";
    chats.ensure({ platform: "discord", chatId: id, type: "channel" });
    expect(chats.find("discord", id)?.chatId).toBe(id);
    expect(chats.find("telegram", id)).toBeNull();
  });

  it("ensure does not reactivate a chat the bot left; setActive does", () => {
    const { chats } = stores();
    const chat = chats.ensure(GROUP);
    chats.setActive(chat.id, false);
    expect(chats.ensure(GROUP).active).toBe(false);
    expect(chats.listActive()).toEqual([]);
    chats.setActive(chat.id, true);
    expect(chats.listActive().map((c) => c.id)).toEqual([chat.id]);
  });

  it("migrates a chat id keeping subscriptions, settings and outbox, merging a row the new id had", () => {
    const { chats, subs, outbox } = stores();
    const old = chats.ensure(GROUP);
    chats.update(old.id, { digestTime: "07:30" });
    subs.add(old.id, "topic", "text-to-video", "1");
    outbox.recordSent(old.id, "2024-04-24", ["2404.00001"]);
    // A message from the new supergroup arrived first and made its own row.
    const early = chats.ensure({ ...GROUP, chatId: "-100999" });
    subs.add(early.id, "topic", "agent", "2");
    const moved = chats.migrateChatId("telegram", GROUP.chatId, "-100999");
    expect(moved?.id).toBe(old.id);
    expect(moved?.digestTime).toBe("07:30");
    expect(chats.find("telegram", GROUP.chatId)).toBeNull();
    expect(chats.find("telegram", "-100999")?.id).toBe(old.id);
    expect(
      subs
        .list(old.id)
        .map((s) => s.value)
        .sort(),
    ).toEqual(["agent", "text-to-video"]);
    expect(outbox.sentAmong(old.id, ["2404.00001"]).size).toBe(1);
    expect(chats.byId(early.id)).toBeNull();
  });
});

describe("SubscriptionStore", () => {
  it("adds idempotently, caps, removes, and lists in order", () => {
    const { chats, subs } = stores();
    const c = chats.ensure(GROUP).id;
    expect(subs.add(c, "topic", "a", null, 2)).toEqual({ added: true });
    expect(subs.add(c, "topic", "a", null, 2)).toEqual({ added: false, reason: "exists" });
    expect(subs.add(c, "keyword", "b c", "u", 2)).toEqual({ added: true });
    expect(subs.add(c, "category", "cs.CV", null, 2)).toEqual({ added: false, reason: "full" });
    expect(subs.count(c)).toBe(2);
    expect(subs.remove(c, "topic", "a")).toBe(true);
    expect(subs.remove(c, "topic", "a")).toBe(false);
    expect(subs.removeAll(c).map((s) => s.value)).toEqual(["b c"]);
    expect(subs.count(c)).toBe(0);
  });

  it("loads many chats' subscriptions in one call", () => {
    const { chats, subs } = stores();
    const a = chats.ensure(GROUP).id;
    const b = chats.ensure(PRIVATE).id;
    subs.add(a, "topic", "x", null);
    subs.add(b, "topic", "y", null);
    subs.add(b, "topic", "z", null);
    const map = subs.forChats([a, b, 999]);
    expect(map.get(a)?.map((s) => s.value)).toEqual(["x"]);
    expect(map.get(b)?.map((s) => s.value)).toEqual(["y", "z"]);
    expect(map.has(999)).toBe(false);
    expect(subs.all().size).toBe(2);
  });
});

describe("SearchStore", () => {
  it("quotes every term, so FTS syntax is searched literally", () => {
    expect(ftsQuery(['a"b', "NEAR(x"])).toBe('"a""b" "NEAR(x"');
    expect(queryTerms("  扩散\u200b模型  *  ")).toEqual(["扩散", "模型"]);
  });

  it("finds by substring of Chinese card text and escapes LIKE wildcards", () => {
    const db = openDatabase(":memory:");
    const papers = new PaperStore(db);
    papers.upsert(paper("2404.00001", { title: "100% accurate method" }), {
      date: "2024-04-24",
      type: "new",
    });
    papers.upsert(paper("2404.00002", { title: "Another one" }), {
      date: "2024-04-24",
      type: "new",
    });
    const search = new SearchStore(db);
    expect(search.search("%").map((h) => h.paperId)).toEqual([]);
    expect(search.search("0%").map((h) => h.paperId)).toEqual(["2404.00001"]);
    expect(search.search("accurate method").map((h) => h.paperId)).toEqual(["2404.00001"]);
    expect(search.search("accurate nothing")).toEqual([]);
  });
});

describe("lifecycle", () => {
  it("greets on join, deactivates on removal keeping subscriptions, and welcomes back", async () => {
    const s = setup();
    const hello = toPlainText(s.bot.onBotAdded(GROUP));
    expect(hello).toContain("大家好");
    expect(hello).toContain("/subscribe 文生视频");
    await s.send("/subscribe 文生视频, 文生图");
    s.bot.onBotRemoved(GROUP);
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(chat?.active).toBe(false);
    expect(s.subscriptions.count(chat?.id ?? -1)).toBe(2);
    const back = toPlainText(s.bot.onBotAdded(GROUP));
    expect(back).toContain("2 个订阅仍然有效");
    expect(s.chats.find("telegram", GROUP.chatId)?.active).toBe(true);
  });

  it("a removal from an unknown chat does nothing; a migration keeps everything", async () => {
    const s = setup();
    s.bot.onBotRemoved({ platform: "telegram", chatId: "-5", type: "group" });
    expect(s.chats.find("telegram", "-5")).toBeNull();
    await s.send("/subscribe 文生视频");
    s.bot.onChatMigrated(GROUP, "-100777");
    const moved = s.chats.find("telegram", "-100777");
    expect(s.subscriptions.count(moved?.id ?? -1)).toBe(1);
    expect(await s.say("/list", { chat: { ...GROUP, chatId: "-100777" } })).toContain("文生视频");
  });

  it("a command from a chat marked inactive reactivates it", async () => {
    const s = setup();
    await s.send("/list");
    s.bot.onBotRemoved(GROUP);
    await s.send("/list");
    expect(s.chats.find("telegram", GROUP.chatId)?.active).toBe(true);
  });
});
