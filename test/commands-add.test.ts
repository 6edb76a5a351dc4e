/**
 * Adding a command: a command module declares the command's spec beside its implementation,
 * and the table, both platforms' menus, /help and the handler take it from there. A throwaway
 * /ping, declared in a test module the way a new entry in an existing module would be, is
 * listed in Telegram's and Discord's menus and in /help, and is answered on both platforms.
 */
import { afterEach, describe, expect, it } from "vitest";
import { answerInteraction } from "../bots/discord/answer.ts";
import { registerSlashCommands } from "../bots/discord/commands.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { startTelegramBot, type TelegramBot } from "../bots/telegram/bot.ts";
import type { App } from "../src/app.ts";
import type { CommandDeps } from "../src/commands/context.ts";
import { createCommandHandler } from "../src/commands/handler.ts";
import { commandModule, QUICK } from "../src/commands/spec.ts";
import { COMMAND_MODULES, COMMANDS, commandIndex, commandTable } from "../src/commands/table.ts";
import { textMessage } from "../src/core/message.ts";
import { silentLogger } from "../src/log.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import { PRIVATE, setup } from "./commands-setup.ts";
import { type FakeDiscord, startFakeDiscord } from "./fakes/discord.ts";
import { type FakeTelegram, fakeUser, privateChatOf, startFakeTelegram } from "./fakes/telegram.ts";

/** The whole of a new command, as its module would hold it (its help would be in texts/). */
const PING_MODULE = commandModule(
  {
    ping: {
      ...QUICK,
      aliases: ["p"],
      help: { description: "测试用命令：回答 pong", usage: "/ping" },
    },
  },
  () => ({ ping: () => [textMessage("pong")] }),
);
const MODULES = [...COMMAND_MODULES, PING_MODULE];

/** What the composition root gives the handler, taken from the app it built. */
function commandDepsOf(app: App): CommandDeps {
  return {
    chats: app.chats,
    subscriptions: app.subscriptions,
    papers: app.papers,
    cards: app.cards,
    search: app.search,
    outbox: app.outbox,
    summariser: app.summariser,
    arxiv: () => app.arxiv(),
    digests: app.digests,
    deep: { reader: app.deep, quota: app.deepStore },
    reports: app.reports,
    reportStore: app.reportStore,
    feeds: app.feeds,
    links: app.links,
    config: app.config,
    log: silentLogger,
    personal: app.personal,
  };
}

let tg: FakeTelegram | undefined;
let telegram: TelegramBot | undefined;
let discord: FakeDiscord | undefined;
afterEach(async () => {
  await telegram?.stop();
  telegram = undefined;
  await tg?.close();
  tg = undefined;
  await discord?.close();
  discord = undefined;
});

describe("a command added in one module", () => {
  const table = commandTable(MODULES);

  it("joins the table after the existing commands, with its help", () => {
    expect(table.map((c) => c.name)).toEqual([...COMMANDS.map((c) => c.name), "ping"]);
    expect(table.at(-1)).toMatchObject({
      name: "ping",
      aliases: ["p"],
      usage: "/ping",
      slow: false,
      affectsDelivery: false,
    });
    expect(commandTable(COMMAND_MODULES)).toEqual(COMMANDS);
  });

  it("is listed in /help and answered, by its name and its alias", async () => {
    const s = setup();
    const bot = createCommandHandler(commandDepsOf(s.app), MODULES);
    const say = async (text: string) => {
      const replies = await bot.handle({
        chat: PRIVATE,
        userId: "42",
        text,
        isAdmin: async () => true,
      });
      return replies.map((m) => JSON.stringify(m)).join("\n");
    };
    const help = await say("/help");
    expect(help).toContain("/ping");
    expect(help).toContain("测试用命令：回答 pong");
    expect(await say("/ping")).toContain("pong");
    expect(await say("/p")).toContain("pong");
    // without the module, the same handler set-up does not know it
    const without = createCommandHandler(commandDepsOf(s.app));
    const unknown = await without.handle({
      chat: PRIVATE,
      userId: "42",
      text: "/ping",
      isAdmin: async () => true,
    });
    expect(JSON.stringify(unknown)).toContain("没有 /ping 这个命令");
  });

  it("is in Telegram's command menu and answered there", async () => {
    const s = setup();
    const bot = createCommandHandler(commandDepsOf(s.app), MODULES);
    tg = await startFakeTelegram({ limits: false });
    telegram = await startTelegramBot({
      token: tg.token,
      apiRoot: tg.apiRoot,
      handler: bot,
      lifecycle: bot,
      commands: table,
      pollingTimeoutSeconds: 5,
      log: silentLogger,
    });
    const menu = tg.commands.get("all_private_chats");
    expect(menu?.at(-1)).toEqual({ command: "ping", description: "测试用命令：回答 pong" });
    expect(menu).toHaveLength(COMMANDS.length + 1);
    const user = fakeUser(4242, "小王");
    tg.message(privateChatOf(user), user, "/ping");
    const [answer] = await tg.waitForSent(user.id, 1);
    expect(answer?.text).toBe("pong");
  });

  it("is a Discord slash command and answered there", async () => {
    const s = setup();
    const bot = createCommandHandler(commandDepsOf(s.app), MODULES);
    discord = await startFakeDiscord();
    const rest = createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot });
    await registerSlashCommands(rest, discord.applicationId, table);
    expect(discord.invalid).toEqual([]);
    const registered = (discord.commands.global ?? []) as { name: string }[];
    expect(registered.map((c) => c.name)).toEqual(table.map((c) => c.name));
    expect(registered.at(-1)).toMatchObject({ description: "测试用命令：回答 pong", options: [] });

    const raw = {
      id: "1232270000000000900",
      token: "ping-interaction-token",
      type: 2,
      application_id: discord.applicationId,
      channel_id: "1232270000000000001",
      channel: { id: "1232270000000000001", type: 1 },
      context: 1,
      user: { id: "873201947366027264", username: "xiaowang", global_name: "小王" },
      data: { id: "1232259210981834999", name: "ping", type: 1 },
    };
    discord.registerInteraction(raw);
    await answerInteraction(raw, {
      rest,
      handler: bot,
      taxonomy: loadTaxonomy(),
      log: silentLogger,
      command: commandIndex(table),
    });
    expect(discord.interactions.get(raw.id)?.original?.content).toBe("pong");
  });
});
