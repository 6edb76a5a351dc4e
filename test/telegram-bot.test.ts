/**
 * The Telegram adapter end to end through the fake Bot API, driven with a small hand-written
 * command handler, so each Telegram behaviour (commands for us or for another bot, admins,
 * membership, migration, buttons, typing, webhook) is checked on its own.
 * telegram.e2e.test.ts runs the real command handler.
 */
import { createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  startTelegramBot,
  type TelegramBot,
  type TelegramBotDeps,
  TelegramStartError,
  webhookFromConfig,
} from "../bots/telegram/bot.ts";
import { readTelegramConfig } from "../bots/telegram/config.ts";
import { appSecrets, loadAppConfig } from "../src/app.ts";
import type { Lifecycle } from "../src/commands/lifecycle.ts";
import { COMMANDS } from "../src/commands/table.ts";
import type { CommandHandler, Incoming } from "../src/commands/types.ts";
import { ConfigError } from "../src/config.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { type RichMessage, span, textMessage } from "../src/core/message.ts";
import { createLogger } from "../src/log.ts";
import {
  type FakeTelegram,
  fakeChannel,
  fakeGroup,
  fakeUser,
  privateChatOf,
  startFakeTelegram,
} from "./fakes/telegram.ts";

const HIGH_LIMITS = {
  global: { perSecond: 10_000, burst: 100 },
  chat: { perSecond: 10_000, burst: 100 },
  group: { perSecond: 10_000, burst: 100 },
};

const alice = fakeUser(101, "Alice");
const bob = fakeUser(102, "Bob");
const group = fakeGroup(-500, "大模型技术分享群");

/** A handler with one command per behaviour under test. */
function scriptedHandler() {
  const seen: Incoming[] = [];
  let release: () => void = () => {};
  const slowDone = new Promise<void>((r) => {
    release = r;
  });
  const handler: CommandHandler = {
    async handle(incoming) {
      seen.push(incoming);
      const [name, ...rest] = incoming.text.slice(1).split(" ");
      const arg = rest.join(" ");
      switch (name) {
        case "echo":
          return [textMessage(`echo ${arg}`)];
        case "admin":
          return [textMessage(`admin: ${(await incoming.isAdmin()) ? "yes" : "no"}`)];
        case "slow":
          incoming.onWorking?.();
          incoming.onWorking?.();
          await slowDone;
          return [textMessage("slow done")];
        case "boom":
          throw new Error("handler exploded");
        case "card":
          return [
            {
              blocks: [{ kind: "card", paperId: "2404.14469", lines: [[span("SnapKV")]] }],
              buttons: [
                { label: "详细", command: "/echo from-button" },
                { label: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
              ],
            },
          ];
        case "long":
          return [
            {
              blocks: [1, 2].map((n) => ({
                kind: "card" as const,
                lines: [[span(`${n}${"长".repeat(3000)}`)]],
              })),
            },
          ];
        default:
          return [textMessage(`unknown ${name}`)];
      }
    },
  };
  return { handler, seen, release: () => release() };
}

function recordingLifecycle() {
  const events: string[] = [];
  const lifecycle: Lifecycle = {
    onBotAdded: (a: ChatAddress): RichMessage => {
      events.push(`added ${a.chatId} ${a.type} ${a.title ?? ""}`.trim());
      return textMessage("欢迎！发送 /subscribe 文生视频 订阅。");
    },
    onBotRemoved: (a) => void events.push(`removed ${a.chatId}`),
    onChatMigrated: (a, to) => void events.push(`migrated ${a.chatId} -> ${to}`),
  };
  return { lifecycle, events };
}

let tg: FakeTelegram | undefined;
let bot: TelegramBot | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await tg?.close();
  tg = undefined;
});

async function start(options: Partial<TelegramBotDeps> = {}) {
  tg = await startFakeTelegram({ limits: false, admins: { [String(group.id)]: [alice.id] } });
  const script = scriptedHandler();
  const life = recordingLifecycle();
  const lines: string[] = [];
  bot = await startTelegramBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    handler: script.handler,
    lifecycle: life.lifecycle,
    commands: COMMANDS,
    limits: HIGH_LIMITS,
    pollingTimeoutSeconds: 5,
    log: createLogger({ level: "debug", json: true, write: (l) => lines.push(l) }),
    ...options,
  });
  return { fake: tg, bot, ...script, ...life, lines };
}

describe("Telegram bot", () => {
  it("lists the commands with Chinese descriptions for private chats and for groups", async () => {
    const { fake } = await start();
    const expected = COMMANDS.map((c) => ({ command: c.name, description: c.description }));
    expect(fake.commands.get("all_private_chats")).toEqual(expected);
    expect(fake.commands.get("all_group_chats")).toEqual(expected);
    expect(expected.find((c) => c.command === "subscribe")?.description).toMatch(/订阅/);
  });

  it("asks for the update types it handles, my_chat_member and callback_query included", async () => {
    const { fake } = await start();
    const asked = () =>
      fake.calls.find((c) => c.method === "getUpdates" && c.params.allowed_updates);
    await fake.waitUntil(() => asked() !== undefined, 5000, "the first getUpdates");
    const poll = asked();
    expect(poll?.params.allowed_updates).toEqual(
      expect.arrayContaining(["message", "my_chat_member", "callback_query"]),
    );
  });

  it("answers /cmd and /cmd@ourbot, ignores /cmd@otherbot and plain text", async () => {
    const { fake, seen } = await start();
    const me = fake.botUser.username;
    fake.message(group, alice, "/echo@other_bot 不是给我的");
    fake.message(group, alice, "大家好");
    fake.message(group, alice, `/echo@${me.toUpperCase()} 一`);
    fake.message(group, alice, "/echo 二");
    const replies = await fake.waitForSent(group.id, 2);
    expect(replies.map((m) => m.text)).toEqual(["echo 一", "echo 二"]);
    expect(seen.map((i) => i.text)).toEqual(["/echo 一", "/echo 二"]);
    expect(seen[0]).toMatchObject({
      chat: { platform: "telegram", chatId: "-500", type: "group", title: "大模型技术分享群" },
      userId: String(alice.id),
    });
    // In groups a reply quotes the command it answers; in private chats it does not.
    expect(replies[0]?.replyParameters).toMatchObject({ allow_sending_without_reply: true });
    fake.message(privateChatOf(bob), bob, "/echo 私聊");
    const [direct] = await fake.waitForSent(bob.id);
    expect(direct?.text).toBe("echo 私聊");
    expect(direct?.replyParameters).toBeUndefined();
  });

  it("counts creators and administrators as admins, asks Telegram once per minute per member", async () => {
    const { fake } = await start();
    fake.message(group, alice, "/admin");
    fake.message(group, alice, "/admin");
    fake.message(group, bob, "/admin");
    const replies = await fake.waitForSent(group.id, 3);
    expect(replies.map((m) => m.text)).toEqual(["admin: yes", "admin: yes", "admin: no"]);
    const lookups = fake.calls
      .filter((c) => c.method === "getChatMember")
      .map((c) => String(c.params.user_id));
    expect(lookups).toEqual([String(alice.id), String(bob.id)]);
  });

  it("treats an anonymous admin (posting as the group) as an admin without asking Telegram", async () => {
    const { fake } = await start();
    fake.anonymousAdminMessage(group, "/admin");
    fake.message(privateChatOf(bob), bob, "/admin");
    fake.channelPost(fakeChannel(-1009, "频道"), "/admin");
    expect((await fake.waitForSent(group.id))[0]?.text).toBe("admin: yes");
    expect((await fake.waitForSent(bob.id))[0]?.text).toBe("admin: yes");
    expect((await fake.waitForSent(-1009))[0]?.text).toBe("admin: yes");
    expect(fake.calls.some((c) => c.method === "getChatMember")).toBe(false);
  });

  it("shows 'typing' while a command works, once per interval", async () => {
    const { fake, release } = await start({ typingIntervalMs: 60_000 });
    fake.message(privateChatOf(alice), alice, "/slow");
    await fake.waitUntil(() => fake.chatActions.length > 0, 5000, "a chat action");
    expect(fake.chatActions).toEqual([{ chatId: String(alice.id), action: "typing" }]);
    release();
    expect((await fake.waitForSent(alice.id))[0]?.text).toBe("slow done");
  });

  it("keeps other chats answered while one command is slow", async () => {
    const { fake, release } = await start();
    fake.message(privateChatOf(alice), alice, "/slow");
    fake.message(privateChatOf(bob), bob, "/echo 不用等");
    expect((await fake.waitForSent(bob.id))[0]?.text).toBe("echo 不用等");
    expect(fake.sentTo(alice.id)).toHaveLength(0);
    release();
    await fake.waitForSent(alice.id);
  });

  it("survives a command that throws: the error is logged and the next update answered", async () => {
    const { fake, lines } = await start();
    fake.message(group, alice, "/boom");
    fake.message(group, alice, "/echo 还活着");
    expect((await fake.waitForSent(group.id))[0]?.text).toBe("echo 还活着");
    expect(lines.some((l) => l.includes("handler exploded") && l.includes('"level":"error"'))).toBe(
      true,
    );
  });

  it("greets a group it joins and deactivates chats it leaves or is blocked in", async () => {
    const { fake, events } = await start();
    fake.myChatMember(group, alice, "left", "member");
    const [greeting] = await fake.waitForSent(group.id);
    expect(greeting?.text).toContain("/subscribe 文生视频");
    fake.myChatMember(group, alice, "member", "administrator"); // a promotion: nothing to do
    fake.myChatMember(group, alice, "administrator", "kicked");
    fake.myChatMember(privateChatOf(bob), bob, "member", "kicked"); // blocked
    fake.myChatMember(privateChatOf(bob), bob, "kicked", "member"); // unblocked: no greeting
    await fake.waitUntil(() => events.length >= 4, 5000, "four lifecycle events");
    expect(events).toEqual([
      "added -500 group 大模型技术分享群",
      "removed -500",
      `removed ${bob.id}`,
      `added ${bob.id} private`,
    ]);
    expect(fake.sentTo(bob.id)).toHaveLength(0);
  });

  it("moves a group that became a supergroup, whichever service message comes first", async () => {
    const { fake, events } = await start();
    const supergroup = fake.migrateGroup(group, alice);
    await fake.waitUntil(() => events.length >= 2, 5000, "migration events");
    expect(events).toEqual([
      `migrated -500 -> ${supergroup.id}`,
      `migrated -500 -> ${supergroup.id}`,
    ]);
  });

  it("deactivates a chat whose reply Telegram refuses with 403", async () => {
    const { fake, events } = await start();
    fake.blockChat(bob.id);
    fake.message(privateChatOf(bob), bob, "/echo 收不到");
    // The deactivation follows the refused send, with no further call to the fake to wait on.
    await vi.waitFor(() => expect(events).toContain(`removed ${bob.id}`), { timeout: 5000 });
    expect(events.filter((e) => e === `removed ${bob.id}`)).toHaveLength(1);
    expect(fake.sentTo(bob.id)).toEqual([]);
  });

  it("runs a button's command when pressed and answers the callback", async () => {
    const { fake, seen } = await start();
    fake.message(group, alice, "/card");
    const [card] = await fake.waitForSent(group.id);
    expect(card?.replyMarkup).toEqual({
      inline_keyboard: [
        [
          { text: "详细", callback_data: "/echo from-button" },
          { text: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
        ],
      ],
    });
    if (!card) throw new Error("no card");
    const queryId = fake.pressButton(card, bob, "/echo from-button");
    const replies = await fake.waitForSent(group.id, 2);
    expect(replies[1]?.text).toBe("echo from-button");
    expect(fake.callbackAnswers.map((a) => a.callback_query_id)).toEqual([queryId]);
    expect(seen.at(-1)).toMatchObject({ userId: String(bob.id), chat: { chatId: "-500" } });
  });

  it("splits a long reply into messages that each fit, in order", async () => {
    const { fake } = await start();
    fake.message(privateChatOf(alice), alice, "/long");
    const parts = await fake.waitForSent(alice.id, 2);
    expect(parts.map((m) => m.text[0])).toEqual(["1", "2"]);
  });

  it("finishes the command in flight before stop() resolves", async () => {
    const { fake, release, bot: running } = await start();
    fake.message(privateChatOf(alice), alice, "/slow");
    await fake.waitUntil(() => fake.chatActions.length > 0, 5000, "the command to start");
    const stopped = running.stop();
    release();
    await stopped;
    expect(fake.sentTo(alice.id).map((m) => m.text)).toEqual(["slow done"]);
  });

  it("never logs the token", async () => {
    const { fake, lines } = await start();
    fake.message(group, alice, "/boom");
    fake.message(group, alice, "/echo x");
    await fake.waitForSent(group.id);
    expect(lines.join("\n")).not.toContain(fake.token);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("Telegram bot start-up", () => {
  it("fails fast with TelegramStartError, without the token, on a wrong token or API root", async () => {
    tg = await startFakeTelegram({ limits: false });
    const deps = {
      handler: scriptedHandler().handler,
      lifecycle: recordingLifecycle().lifecycle,
      commands: COMMANDS,
      log: createLogger({ level: "silent" }),
    };
    const wrongToken = "111:WrongTokenWrongTokenWrong";
    const refused = await startTelegramBot({
      ...deps,
      token: wrongToken,
      apiRoot: tg.apiRoot,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TelegramStartError);
    expect(String(refused)).toContain("401");
    expect(String(refused)).not.toContain("WrongToken");
    const unreachable = await startTelegramBot({
      ...deps,
      token: wrongToken,
      apiRoot: "http://127.0.0.1:9",
    }).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(TelegramStartError);
    expect(`${String(unreachable)} ${(unreachable as Error).stack}`).not.toContain("WrongToken");
  });
});

describe("Telegram bot in webhook mode", () => {
  it("registers its webhook with a secret and answers updates Telegram posts", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    const { fake } = await start({
      webhook: { url, secretToken: "s3cret_TOKEN-1", port, host: "127.0.0.1" },
    });
    const setWebhook = fake.calls.find((c) => c.method === "setWebhook");
    expect(setWebhook?.params).toMatchObject({ url, secret_token: "s3cret_TOKEN-1" });
    expect(fake.calls.some((c) => c.method === "getUpdates")).toBe(false);
    fake.message(group, alice, "/echo 网络钩子");
    expect((await fake.waitForSent(group.id))[0]?.text).toBe("echo 网络钩子");
    // The webhook call is answered once the update is handled, just after the reply went out.
    await vi.waitFor(() => expect(fake.webhookResponses).toEqual([200]), { timeout: 5000 });
  });

  it("refuses webhook calls without the right secret token", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    const { fake, seen } = await start({
      webhook: { url, secretToken: "right", port, host: "127.0.0.1" },
    });
    const update = {
      update_id: 1,
      message: { message_id: 1, date: 0, chat: group, from: alice, text: "/echo 伪造" },
    };
    const attempts: Record<string, string>[] = [{}, { "x-telegram-bot-api-secret-token": "wrong" }];
    for (const headers of attempts) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(update),
      });
      expect(res.status).toBe(401);
    }
    expect((await fetch(`http://127.0.0.1:${port}/elsewhere`, { method: "POST" })).status).toBe(
      404,
    );
    expect(seen).toHaveLength(0);
    expect(fake.sent).toHaveLength(0);
  });
});

describe("Telegram webhook settings", () => {
  it("come from SUDI_TELEGRAM_WEBHOOK_*; the secret is redacted like the token", () => {
    const config = loadAppConfig(
      {
        TELEGRAM_BOT_TOKEN: "42:abc-token",
        SUDI_TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram",
        SUDI_TELEGRAM_WEBHOOK_SECRET: "hook_secret-1",
        SUDI_TELEGRAM_WEBHOOK_PORT: "9000",
      },
      {},
    );
    expect(webhookFromConfig(readTelegramConfig(config))).toEqual({
      url: "https://bot.example.org/telegram",
      secretToken: "hook_secret-1",
      port: 9000,
    });
    expect(appSecrets(config)).toContain("hook_secret-1");
    expect(webhookFromConfig(readTelegramConfig(loadAppConfig({}, {})))).toBeUndefined();
  });

  it("refuse a webhook URL without a secret, naming the variable", () => {
    const attempt = () =>
      loadAppConfig({ SUDI_TELEGRAM_WEBHOOK_URL: "https://bot.example.org/t" }, {});
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/SUDI_TELEGRAM_WEBHOOK_SECRET/);
    expect(() =>
      loadAppConfig(
        {
          SUDI_TELEGRAM_WEBHOOK_URL: "https://x.org/t",
          SUDI_TELEGRAM_WEBHOOK_SECRET: "bad secret!",
        },
        {},
      ),
    ).toThrow(/SUDI_TELEGRAM_WEBHOOK_SECRET/);
  });

  it("refuse an http:// webhook URL: Telegram posts only to HTTPS, as the README says", () => {
    const attempt = () =>
      loadAppConfig(
        {
          SUDI_TELEGRAM_WEBHOOK_URL: "http://bot.example.org/t",
          SUDI_TELEGRAM_WEBHOOK_SECRET: "s3cret",
        },
        {},
      );
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/SUDI_TELEGRAM_WEBHOOK_URL: expected an https:\/\/ URL/);
  });
});
