/**
 * sudi on Telegram end to end: the real command handler and store (in memory), the fake
 * OpenAI and arXiv servers, and the fake Bot API. Users talk to the bot the way they would in
 * Telegram, and the test reads what Telegram would show them and what the store kept.
 */
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTelegramBot, type TelegramBot } from "../bots/telegram/bot.ts";
import { type App, buildApp } from "../src/app.ts";
import { textMessage } from "../src/core/message.ts";
import { silentLogger } from "../src/log.ts";
import { resetLearntDowngrades } from "../src/summarise/llm.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";
import {
  type FakeChat,
  type FakeTelegram,
  fakeErrors,
  fakeGroup,
  fakeUser,
  privateChatOf,
  startFakeTelegram,
} from "./fakes/telegram.ts";

const PAPERS_XML = readFileSync(
  new URL("./fixtures/telegram/api-2404.14469.xml", import.meta.url),
  "utf8",
);
const HIGH_LIMITS = {
  global: { perSecond: 10_000, burst: 100 },
  chat: { perSecond: 10_000, burst: 100 },
  group: { perSecond: 10_000, burst: 100 },
};

let llm: FakeOpenAI;
let arxiv: FakeArxiv;
beforeAll(async () => {
  [llm, arxiv] = await Promise.all([startFakeOpenAI(), startFakeArxiv()]);
  arxiv.addApiDocuments(PAPERS_XML);
});
afterAll(async () => {
  await Promise.all([llm.close(), arxiv.close()]);
});

const admin = fakeUser(201, "群主");
const member = fakeUser(202, "群友");
const reader = fakeUser(203, "读者");

let running: { tg: FakeTelegram; bot: TelegramBot; app: App } | undefined;
afterEach(async () => {
  await running?.bot.stop();
  await running?.tg.close();
  running?.app.close();
  running = undefined;
});

async function start(admins: Record<string, number[]> = {}) {
  llm.reset();
  resetLearntDowngrades();
  const tg = await startFakeTelegram({ limits: false, admins });
  const app = buildApp({
    env: {
      SUDI_DB_PATH: ":memory:",
      ARXIV_API_URL: arxiv.apiUrl,
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "0",
      OPENAI_API_KEY: "sk-test-key-for-the-fake-0000",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: "fake-model",
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      LOG_LEVEL: "silent",
    },
    dotenv: {},
    log: silentLogger,
  });
  const services = app;
  // The adapter itself, started on the app's command handler, with pacing raised for speed.
  const bot = await startTelegramBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    handler: app.bot,
    lifecycle: app.bot,
    limits: HIGH_LIMITS,
    pollingTimeoutSeconds: 5,
    log: silentLogger,
  });
  running = { tg, bot, app };
  return { tg, bot, app, services };
}

/** Sends `text` as `from` in `chat` and returns the bot's next reply there. */
async function ask(
  tg: FakeTelegram,
  chat: FakeChat,
  from: ReturnType<typeof fakeUser>,
  text: string,
) {
  const before = tg.sentTo(chat.id).length;
  tg.message(chat, from, text);
  const all = await tg.waitForSent(chat.id, before + 1, 10_000);
  return all[before]?.text ?? "";
}

function subscriptionsOf(services: App, chatId: number): string[] {
  const chat = services.chats.find("telegram", String(chatId));
  return chat ? services.subscriptions.list(chat.id).map((s) => s.value) : [];
}

describe("sudi on Telegram, end to end", () => {
  it("a user in a private chat subscribes, lists, reads a paper and unsubscribes", async () => {
    const { tg, services } = await start();
    const me = privateChatOf(reader);
    expect(await ask(tg, me, reader, "/subscribe 文生视频")).toContain("✅ 已订阅主题");
    expect(subscriptionsOf(services, reader.id)).toHaveLength(1);
    const list = await ask(tg, me, reader, "/list");
    expect(list).toContain("我的订阅");
    expect(list).toContain("视频");

    const card = await ask(tg, me, reader, "/paper 2404.14469");
    expect(card).toContain("SnapKV: LLM Knows What You are Looking for Before Generation");
    const sent = tg.sentTo(reader.id).at(-1);
    expect(sent?.parseMode).toBe("HTML");
    expect(
      sent?.entities.some((e) => e.type === "text_link" && e.url?.includes("2404.14469")),
    ).toBe(true);
    // Summarising on demand showed "typing" in that chat.
    expect(tg.chatActions).toContainEqual({ chatId: String(reader.id), action: "typing" });
    expect(llm.requests).toHaveLength(1);

    expect(await ask(tg, me, reader, "/unsubscribe 文生视频")).toContain("✅ 已取消订阅");
    expect(subscriptionsOf(services, reader.id)).toEqual([]);
  });

  it("in a group only admins change subscriptions; everyone may list and read papers", async () => {
    const group = fakeGroup(-300, "大模型技术分享群");
    const { tg, services } = await start({ [String(group.id)]: [admin.id] });

    const refused = await ask(tg, group, member, "/subscribe 文生视频");
    expect(refused).toContain("只有群管理员");
    expect(subscriptionsOf(services, group.id)).toEqual([]);

    expect(await ask(tg, group, admin, "/subscribe 文生视频")).toContain("✅ 已订阅主题");
    expect(await ask(tg, group, member, "/list")).toContain("本群订阅");
    expect(await ask(tg, group, member, "/paper 2404.14469")).toContain("SnapKV");
    expect(await ask(tg, group, member, "/unsubscribe 文生视频")).toContain("只有群管理员");
    expect(subscriptionsOf(services, group.id)).toHaveLength(1);
    expect(await ask(tg, group, admin, "/unsubscribe 文生视频")).toContain("✅ 已取消订阅");
    expect(subscriptionsOf(services, group.id)).toEqual([]);

    // An anonymous admin, posting as the group, counts as an admin.
    const before = tg.sentTo(group.id).length;
    tg.anonymousAdminMessage(group, "/subscribe 文生视频");
    const replies = await tg.waitForSent(group.id, before + 1);
    expect(replies[before]?.text).toContain("✅ 已订阅主题");
  });

  it("votes on a /paper card edit its buttons in place and send no message", async () => {
    const group = fakeGroup(-305, "投票群");
    const { tg, services } = await start({ [String(group.id)]: [admin.id] });
    expect(await ask(tg, group, member, "/paper 2404.14469")).toContain("SnapKV");
    const card = tg.sentTo(group.id).at(-1);
    if (!card) throw new Error("no /paper reply");
    const markup = card.replyMarkup as {
      inline_keyboard: { text: string; callback_data?: string }[][];
    };
    const rows = markup.inline_keyboard;
    expect(rows[0]?.map((b) => b.text)).toEqual(["👍", "👎", "⭐ 收藏", "深读"]);
    const up = rows[0]?.[0]?.callback_data ?? "";
    const messages = tg.sent.length;

    const query = tg.pressButton(card, member, up);
    await tg.waitUntil(
      () => tg.callbackAnswers.some((a) => a.callback_query_id === query),
      5000,
      "the press answered",
    );
    expect(tg.callbackAnswers.find((a) => a.callback_query_id === query)?.text).toBe("已记录 👍");
    await tg.waitUntil(
      () => JSON.stringify(card.replyMarkup).includes("👍 1"),
      5000,
      "the count shown on the button",
    );
    expect(tg.sent.length).toBe(messages); // no message was added
    const chat = services.chats.find("telegram", String(group.id));
    expect(
      services.personal.votes.counts(chat?.id ?? 0, ["2404.14469"]).get("2404.14469")?.up,
    ).toBe(1);
  });

  it("answers /cmd@ourbot and ignores /cmd@otherbot", async () => {
    const group = fakeGroup(-301, "两个机器人的群");
    const { tg } = await start();
    tg.message(group, member, "/list@some_other_bot");
    const reply = await ask(tg, group, member, `/list@${tg.botUser.username}`);
    expect(reply).toContain("还没有订阅");
    expect(tg.sentTo(group.id)).toHaveLength(1);
  });

  it("greets a group it is added to, deactivates it when removed, keeps its subscriptions", async () => {
    const group = fakeGroup(-302, "读书会");
    const { tg, services } = await start({ [String(group.id)]: [admin.id] });
    tg.myChatMember(group, admin, "left", "member");
    const [greeting] = await tg.waitForSent(group.id);
    expect(greeting?.text).toContain("大家好！我是论文速递");
    expect(greeting?.text).toContain("/subscribe 文生视频");
    await ask(tg, group, admin, "/subscribe 文生视频");

    tg.myChatMember(group, admin, "member", "kicked");
    await tg.waitUntil(
      () => services.chats.find("telegram", "-302")?.active === false,
      5000,
      "deactivation",
    );
    expect(subscriptionsOf(services, group.id)).toHaveLength(1);

    tg.myChatMember(group, admin, "left", "member");
    const back = await tg.waitForSent(group.id, 3);
    expect(back[2]?.text).toContain("欢迎回来");
    expect(services.chats.find("telegram", "-302")?.active).toBe(true);
  });

  it("keeps a group's subscriptions when it becomes a supergroup", async () => {
    const group = fakeGroup(-303, "升级群");
    const { tg, services } = await start({ [String(group.id)]: [admin.id] });
    await ask(tg, group, admin, "/subscribe 文生视频");
    const supergroup = tg.migrateGroup(group, admin);
    await tg.waitUntil(
      () => services.chats.find("telegram", String(supergroup.id)) !== null,
      5000,
      "the chat to move",
    );
    expect(services.chats.find("telegram", String(group.id))).toBeNull();
    expect(subscriptionsOf(services, supergroup.id)).toHaveLength(1);
    expect(await ask(tg, supergroup, admin, "/list")).toContain("视频");
  });

  it("follows a migration Telegram reports on send, and delivers to the new id", async () => {
    const group = fakeGroup(-304, "迁移中的群");
    const { tg, bot, services } = await start({ [String(group.id)]: [admin.id] });
    await ask(tg, group, admin, "/subscribe 文生视频");
    tg.fault({ chatId: group.id, error: fakeErrors.migrated(-100304) });
    const address = {
      platform: "telegram" as const,
      chatId: String(group.id),
      type: "group" as const,
    };
    await bot.sender.sendPart(address, textMessage("今日速递"));
    expect(tg.sentTo(-100304).map((m) => m.text)).toEqual(["今日速递"]);
    expect(subscriptionsOf(services, -100304)).toHaveLength(1);
  });

  it("shows a hostile paper title literally, in valid HTML", async () => {
    const { tg } = await start();
    const me = privateChatOf(reader);
    const card = await ask(tg, me, reader, "/paper 2404.19999");
    expect(card).toContain("<script>alert(1)</script> Diffusion &amp; Video </b>Tokens");
    expect(tg.sentTo(reader.id).at(-1)?.parseMode).toBe("HTML");
  });

  it("answers /paper on a cached card without arXiv, the LLM or a typing action", async () => {
    const { tg } = await start();
    const me = privateChatOf(reader);
    await ask(tg, me, reader, "/paper 2404.14469");
    const llmCalls = llm.requests.length;
    const arxivCalls = arxiv.requests.length;
    const actions = tg.chatActions.length;
    expect(await ask(tg, me, reader, "/paper 2404.14469")).toContain("SnapKV");
    expect(llm.requests.length).toBe(llmCalls);
    expect(arxiv.requests.length).toBe(arxivCalls);
    expect(tg.chatActions.length).toBe(actions);
  });
});
