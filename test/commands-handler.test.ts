import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/commands/handler.ts";
import { GROUP, PRIVATE, paper, realCard, setup, snapshot } from "./commands-setup.ts";

describe("/start and /help", () => {
  it("greets and lists every command with an example, in Chinese", async () => {
    const s = setup();
    const help = await s.say("/help");
    for (const c of COMMANDS.filter((c) => c.name !== "start")) {
      expect(help).toContain(`/${c.name}`);
    }
    expect(help).toContain("/subscribe 文生视频");
    expect(help).toContain("私聊");
    const start = await s.say("/start", { chat: PRIVATE });
    expect(start).toContain("你好");
    expect(start).toContain("/subscribe");
  });

  it("accepts full-width slashes and /cmd@bot forms the adapter left, and refuses unknown commands", async () => {
    const s = setup();
    expect(await s.say("／help")).toContain("/subscribe");
    expect(await s.say("/HELP")).toContain("/subscribe");
    expect(await s.say("/frobnicate")).toContain("没有 /frobnicate 这个命令");
    expect(await s.say("hello")).toContain("/help");
  });

  it("describes every command within the platforms' menu limits", () => {
    for (const c of COMMANDS) {
      expect(c.name).toMatch(/^[a-z_]{1,32}$/);
      expect(Array.from(c.description).length).toBeLessThanOrEqual(100);
      expect(c.description).toMatch(/\p{Script=Han}/u);
    }
  });
});

describe("/subscribe", () => {
  it("subscribes to a topic by name, alias and traditional spelling, and to categories and keywords", async () => {
    const s = setup();
    expect(await s.say("/subscribe 文生视频")).toContain("已订阅主题「文生视频」");
    expect(await s.say("/subscribe text-to-image")).toContain("已订阅主题「文生图」");
    expect(await s.say("/sub cs.cv")).toContain("arXiv 分类 cs.CV");
    expect(await s.say("/subscribe state space duality")).toContain("关键词");
    expect(await s.say('/subscribe "扩散 蒸馏"')).toContain("「扩散 蒸馏」");
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(s.subscriptions.list(chat?.id ?? -1).map((x) => `${x.kind}:${x.value}`)).toEqual([
      "topic:text-to-video",
      "topic:text-to-image",
      "category:cs.CV",
      "keyword:state space duality",
      "keyword:扩散 蒸馏",
    ]);
  });

  it("records who added a subscription", async () => {
    const s = setup();
    await s.send("/subscribe 文生视频", { userId: "777" });
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(s.subscriptions.list(chat?.id ?? -1)[0]?.addedBy).toBe("777");
  });

  it("subscribes to several topics separated by commas", async () => {
    const s = setup();
    const reply = await s.say("/subscribe 文生图，文生视频、Agent, cs.CL");
    expect(reply).toContain("文生图");
    expect(reply).toContain("智能体");
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(s.subscriptions.count(chat?.id ?? -1)).toBe(4);
  });

  it("is a friendly no-op the second time", async () => {
    const s = setup();
    await s.send("/subscribe 文生视频");
    const before = snapshot(s.db);
    expect(await s.say("/subscribe T2V")).toContain("已经订阅过了");
    expect(snapshot(s.db)).toBe(before);
  });

  it("suggests the closest topics for a typo and subscribes nothing", async () => {
    const s = setup();
    await s.send("/list");
    const before = snapshot(s.db);
    const reply = await s.say("/subscribe 文生视屏");
    expect(reply).toContain("文生视频");
    expect(reply).toContain("是不是");
    expect(snapshot(s.db)).toBe(before);
  });

  it("offers topics close to an English word instead of subscribing it as a keyword", async () => {
    const s = setup();
    const reply = await s.say("/subscribe agents");
    expect(reply).toContain("智能体");
    expect(reply).toContain('/subscribe "agents"');
    expect(s.subscriptions.all().size).toBe(0);
  });

  it("stops at 50 subscriptions and says so", async () => {
    const s = setup();
    const words = Array.from(
      { length: 50 },
      (_, i) => `"keyword${String.fromCharCode(97 + (i % 26))}${i}"`,
    );
    for (let i = 0; i < 50; i += 10) {
      await s.send(`/subscribe ${words.slice(i, i + 10).join(",")}`);
    }
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(s.subscriptions.count(chat?.id ?? -1)).toBe(50);
    const reply = await s.say("/subscribe 文生视频");
    expect(reply).toContain("上限（50 个）");
    expect(s.subscriptions.count(chat?.id ?? -1)).toBe(50);
  });

  it("with one bad item among several, changes nothing", async () => {
    const s = setup();
    await s.send("/list");
    const before = snapshot(s.db);
    const reply = await s.say("/subscribe 文生视频, <b>x</b>");
    expect(reply).toContain("只能包含");
    expect(snapshot(s.db)).toBe(before);
  });
});

describe("/unsubscribe", () => {
  it("removes by name, alias, number and quoted keyword, saying what was removed", async () => {
    const s = setup();
    await s.send('/subscribe 文生视频, 文生图, cs.CV, "world model"');
    expect(await s.say("/unsubscribe text-to-video")).toContain("已取消订阅：文生视频");
    expect(await s.say("/unsub 2")).toContain("已取消订阅：cs.CV");
    expect(await s.say('/unsubscribe "world model"')).toContain("world model");
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(s.subscriptions.list(chat?.id ?? -1).map((x) => x.value)).toEqual(["text-to-image"]);
  });

  it("removes everything with all and lists what went", async () => {
    const s = setup();
    await s.send("/subscribe 文生视频, 文生图");
    const reply = await s.say("/unsubscribe all");
    expect(reply).toContain("已取消全部 2 个订阅");
    expect(reply).toContain("文生视频");
    expect(reply).toContain("文生图");
    expect(await s.say("/unsubscribe 全部")).toContain("没有任何订阅");
  });

  it("says when the chat is not subscribed to it, and removes nothing", async () => {
    const s = setup();
    await s.send("/subscribe 文生视频");
    const before = snapshot(s.db);
    expect(await s.say("/unsubscribe 文生图")).toContain("没有订阅「文生图」");
    expect(await s.say("/unsubscribe 9")).toContain("序号超出范围");
    expect(await s.say("/unsubscribe 文生视频, 文生图")).toContain("没有订阅「文生图」");
    expect(snapshot(s.db)).toBe(before);
  });
});

describe("/list", () => {
  it("shows subscriptions, time, zone, format, limit and the next delivery in the chat's zone", async () => {
    const s = setup({ now: new Date("2024-04-25T00:30:00Z") }); // 08:30 in Shanghai
    await s.send("/subscribe 文生视频, cs.CV");
    const list = await s.say("/list");
    expect(list).toContain("1. 主题 文生视频");
    expect(list).toContain("2. 分类 cs.CV");
    expect(list).toContain("09:00（Asia/Shanghai）");
    expect(list).toContain("下次推送：2024-04-25 09:00");
    expect(list).toContain("完整卡片");
    expect(list).toContain("最多 10 篇");
    await s.send("/settime 08:00 Europe/Berlin");
    expect(await s.say("/list")).toContain("下次推送：2024-04-25 08:00（");
    await s.send("/pause");
    expect(await s.say("/list")).toContain("已暂停");
  });

  it("says how to start when there is nothing", async () => {
    const s = setup();
    expect(await s.say("/list", { chat: PRIVATE })).toContain("还没有订阅");
  });
});

describe("/topics", () => {
  it("lists the taxonomy by chapter with an example", async () => {
    const s = setup();
    const text = await s.say("/topics");
    expect(text.indexOf("【文生图】")).toBeLessThan(text.indexOf("【文/图生视频】"));
    expect(text).toContain("文生视频");
    expect(text).toContain("/subscribe");
  });
});

describe("settings", () => {
  it("/settime accepts 9:00, 09:00, full-width digits and a time zone", async () => {
    const s = setup();
    const id = () => s.chats.find("telegram", GROUP.chatId);
    expect(await s.say("/settime 9:00")).toContain("09:00");
    expect(await s.say("/settime ２１：３０")).toContain("21:30");
    expect(id()?.digestTime).toBe("21:30");
    expect(await s.say("/settime 07:05 america/new_york")).toContain("America/New_York");
    expect(id()?.timezone).toBe("America/New_York");
    expect(id()?.digestTime).toBe("07:05");
  });

  it("/pause and /resume toggle deliveries and say when nothing changes", async () => {
    const s = setup();
    expect(await s.say("/resume")).toContain("本来就在进行中");
    expect(await s.say("/pause")).toContain("已暂停");
    expect(s.chats.find("telegram", GROUP.chatId)?.paused).toBe(true);
    expect(await s.say("/pause")).toContain("本来就是暂停");
    expect(await s.say("/resume")).toContain("已恢复");
    expect(s.chats.find("telegram", GROUP.chatId)?.paused).toBe(false);
  });

  it("/setformat and /setlimit change the digest's density and size", async () => {
    const s = setup();
    expect(await s.say("/setformat brief")).toContain("简版");
    expect(await s.say("/setformat 简版")).toContain("本来就是");
    expect(await s.say("/setlimit 5")).toContain("5 篇");
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(chat?.density).toBe("brief");
    expect(chat?.digestLimit).toBe(5);
    expect(await s.say("/setformat full")).toContain("完整卡片");
  });
});

describe("admins and members", () => {
  it("tells a group member to use a private chat and changes nothing", async () => {
    const s = setup();
    await s.send("/subscribe 文生视频");
    const before = snapshot(s.db);
    for (const cmd of [
      "/subscribe 文生图",
      "/unsubscribe all",
      "/settime 10:00",
      "/pause",
      "/setformat brief",
      "/setlimit 3",
      "/digest",
    ]) {
      const reply = await s.say(cmd, { admin: false });
      expect(reply).toContain("只有群管理员");
      expect(reply).toContain("私聊");
    }
    expect(snapshot(s.db)).toBe(before);
  });

  it("lets members read (/list, /topics, /search, /help) without asking who is admin", async () => {
    const s = setup();
    for (const cmd of ["/list", "/topics", "/help", "/search diffusion"]) {
      expect(await s.say(cmd, { admin: false })).not.toContain("只有群管理员");
    }
    expect(s.adminChecks).toBe(0);
  });

  it("in a private chat the subscriptions are the user's own", async () => {
    const s = setup();
    await s.send("/subscribe 文生视频", { chat: PRIVATE, admin: false });
    const own = s.chats.find("telegram", PRIVATE.chatId);
    expect(s.subscriptions.count(own?.id ?? -1)).toBe(1);
    expect(s.chats.find("telegram", GROUP.chatId)).toBeNull();
  });

  it("answers politely when the admin check itself fails", async () => {
    const s = setup();
    const replies = await s.bot.handle({
      chat: GROUP,
      userId: "1",
      text: "/subscribe 文生视频",
      isAdmin: async () => {
        throw new Error("getChatMember failed");
      },
    });
    expect(replies.length).toBe(1);
    expect(s.subscriptions.all().size).toBe(0);
  });
});

describe("/search", () => {
  it("finds papers by English title words and by Chinese card text, top 5 with ids", async () => {
    const s = setup();
    for (let i = 0; i < 7; i++) {
      const p = paper(`2404.1000${i}`, { title: `Speculative decoding trick number ${i}` });
      s.papers.upsert(p, { date: "2024-04-24", type: "new" });
    }
    const target = paper("2404.11912", { title: "TriForce: Lossless Acceleration" });
    s.papers.upsert(target, { date: "2024-04-24", type: "new" });
    s.cards.put(
      realCard(target, { title_zh: "TriForce：分层投机解码", tldr: "投机解码加速长序列。" }),
    );

    const english = await s.say("/search speculative decoding");
    expect(english.match(/\d\. /g)?.length).toBe(5);
    const chinese = await s.say("/search 投机解码");
    expect(chinese).toContain("TriForce：分层投机解码");
    expect(chinese).toContain("2404.11912");
    // Under three characters the trigram index cannot help; LIKE still finds it.
    expect(await s.say("/search 投机")).toContain("2404.11912");
  });

  it("says when nothing matches, and refuses empty and overlong queries", async () => {
    const s = setup();
    // Nothing fetched yet: the reply says so instead of "no match".
    expect(await s.say("/search quantum gravity")).toContain("还没有抓取到任何论文");
    s.papers.upsert(paper("2404.10001", { title: "Speculative decoding" }), {
      date: "2024-04-24",
      type: "new",
    });
    expect(await s.say("/search quantum gravity")).toContain("没有找到");
    expect(await s.say("/search")).toContain("用法");
    expect(await s.say(`/search ${"a".repeat(101)}`)).toContain("太长");
  });
});

describe("/digest", () => {
  it("shows the latest matching papers now and records the unsent ones as sent", async () => {
    const s = setup();
    const a = paper("2404.20001", { title: "Text-to-video diffusion with motion" });
    const b = paper("2404.20002", { title: "A video generation model" });
    s.papers.upsert(a, { date: "2024-04-24", type: "new" });
    s.papers.upsert(b, { date: "2024-04-24", type: "new" });
    s.cards.put(realCard(a));
    s.cards.put(realCard(b));
    await s.send("/subscribe 文生视频");
    const chat = s.chats.find("telegram", GROUP.chatId);
    if (!chat) throw new Error("no chat");
    s.outbox.recordSent(chat.id, "2024-04-24", ["2404.20001"]);

    const text = await s.say("/digest");
    expect(text).toContain("2404.20001");
    expect(text).toContain("2404.20002");
    expect(text).toContain("含之前推送过的论文");
    expect(s.outbox.sentAmong(chat.id, ["2404.20001", "2404.20002"]).size).toBe(2);
    // The scheduled digest has nothing left to repeat.
    expect(s.digests.forChats([chat], "2024-04-24")).toEqual([]);
  });

  it("explains an empty result: no subscription, no announcement, no match", async () => {
    const s = setup();
    expect(await s.say("/digest")).toContain("还没有订阅");
    await s.send("/subscribe 文生视频");
    expect(await s.say("/digest")).toContain("还没有抓取到");
    s.papers.upsert(paper("2404.30001", { title: "Graph theory" }), {
      date: "2024-04-24",
      type: "new",
    });
    expect(await s.say("/digest")).toContain("共 1 篇");
  });
});
