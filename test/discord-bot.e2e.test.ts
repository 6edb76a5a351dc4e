/**
 * The whole adapter end to end: discord.js connects to the fake gateway (HELLO, IDENTIFY,
 * READY, heartbeats), registers its commands on the fake REST API, and answers interactions
 * dispatched over the gateway with sudi's real command handler and an in-memory store.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DiscordBot, startDiscordBot } from "../bots/discord/bot.ts";
import { COMMANDS } from "../src/commands/handler.ts";
import { createLogger } from "../src/log.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import { paper, realCard, type Setup, setup } from "./commands-setup.ts";
import {
  type FakeDiscord,
  guildCreate,
  type InteractionRecord,
  startFakeDiscord,
} from "./fakes/discord.ts";
import { waitUntil } from "./helpers/wait.ts";

const GUILD = "1187431402547617832";
const CHANNEL = "1187431403344539749";
const OTHER_CHANNEL = "1187431403344539750";
const TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.fake.bot-token-never-logged";

type Raw = Record<string, unknown> & { id: string; token: string };

function fixture(name: string, changes: Partial<Raw> = {}): Raw {
  const raw = JSON.parse(
    readFileSync(new URL(`./fixtures/discord/${name}.json`, import.meta.url), "utf8"),
  );
  return { ...raw, ...changes };
}

let interactionCounter = 0;
/** The fixture as a fresh interaction (its own id and token), optionally in another channel. */
function fresh(name: string, channelId = CHANNEL, data?: unknown): Raw {
  interactionCounter++;
  const raw = fixture(name);
  return {
    ...raw,
    id: `12322645704746${String(interactionCounter).padStart(5, "0")}`,
    token: `${raw.token}-${interactionCounter}`,
    ...(raw.guild_id
      ? { channel_id: channelId, channel: { ...(raw.channel as object), id: channelId } }
      : {}),
    ...(data ? { data } : {}),
  };
}

let fake: FakeDiscord;
let s: Setup;
let bot: DiscordBot;
const logLines: string[] = [];

async function send(raw: Raw): Promise<InteractionRecord> {
  const record = fake.sendInteraction(raw);
  await fake.waitFor(
    () => record.original !== undefined || record.callbacks.some((c) => c.type === 8),
  );
  return record;
}

const contentOf = (r: InteractionRecord) =>
  [
    r.original?.content ?? "",
    ...(r.original?.embeds ?? []).map((e) => `${e.title ?? ""}\n${e.description ?? ""}`),
  ].join("\n");

beforeAll(async () => {
  fake = await startFakeDiscord({ token: TOKEN, heartbeatIntervalMs: 1000 });
  s = setup();
  const p = paper("2404.14469", {
    title: "SnapKV: LLM Knows What You are Looking for Before Generation",
  });
  s.papers.upsert(p);
  s.cards.put(realCard(p, { title_zh: "SnapKV：生成前就知道该看哪里的 KV cache 压缩" }));
  bot = await startDiscordBot({
    token: TOKEN,
    applicationId: fake.applicationId,
    apiRoot: fake.apiRoot,
    guildId: GUILD,
    bot: s.bot,
    taxonomy: loadTaxonomy(),
    log: createLogger({ level: "debug", json: true, write: (l) => logLines.push(l) }),
  });
  fake.dispatch(
    "GUILD_CREATE",
    guildCreate({
      id: GUILD,
      name: "大模型技术分享群",
      channels: [
        { id: CHANNEL, name: "论文速递" },
        { id: OTHER_CHANNEL, name: "闲聊" },
      ],
    }),
  );
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

describe("the Discord bot, end to end", () => {
  it("identifies with the Guilds intent, keeps its heartbeat, and registers every command", async () => {
    expect((await fake.identified()).intents).toBe(1);
    await waitUntil(() => fake.heartbeats > 0, { what: "a heartbeat" });
    const names = COMMANDS.map((c) => c.name);
    expect((fake.commands.global as { name: string }[]).map((c) => c.name)).toEqual(names);
    expect((fake.commands.guilds.get(GUILD) as { name: string }[]).map((c) => c.name)).toEqual(
      names,
    );
  });

  it("subscribes a channel when a manager asks, and refuses an ordinary member", async () => {
    const ok = await send(fresh("guild-subscribe-manager"));
    expect(contentOf(ok)).toContain("文生视频");
    const chat = s.chats.find("discord", CHANNEL);
    expect(chat?.type).toBe("group");
    expect(s.subscriptions.count(chat?.id ?? -1)).toBe(1);

    const refused = await send(fresh("guild-subscribe-member"));
    expect(contentOf(refused)).toContain("只有群管理员");
    expect(s.subscriptions.count(chat?.id ?? -1)).toBe(1);

    const list = await send(
      fresh("guild-subscribe-member", CHANNEL, { id: "1", name: "list", type: 1 }),
    );
    expect(contentOf(list)).toContain("文生视频");
  });

  it("answers /paper in a DM after deferring, with the card as an embed", async () => {
    const record = await send(fresh("dm-paper"));
    expect(record.callbacks[0]?.type).toBe(5);
    const embed = record.original?.embeds?.[0];
    expect(embed?.title).toContain("SnapKV");
    expect(embed?.url).toBe("https://arxiv.org/abs/2404.14469");
    expect(record.original?.allowed_mentions).toEqual({ parse: [] });
  });

  it("autocompletes topics over the gateway", async () => {
    const record = await send(fresh("guild-autocomplete-subscribe"));
    const data = record.callbacks[0]?.data as { choices: { value: string }[] } | undefined;
    expect((data?.choices ?? []).map((c) => c.value)).toContain("文生视频");
  });

  it("deactivates a deleted channel's chat, and every chat of a guild that removed the bot", async () => {
    await send(fresh("guild-subscribe-manager", OTHER_CHANNEL));
    const other = s.chats.find("discord", OTHER_CHANNEL);
    expect(other?.active).toBe(true);
    fake.dispatch("CHANNEL_DELETE", {
      id: OTHER_CHANNEL,
      type: 0,
      guild_id: GUILD,
      name: "闲聊",
      position: 1,
      parent_id: null,
      permission_overwrites: [],
    });
    await waitUntil(() => s.chats.find("discord", OTHER_CHANNEL)?.active === false);

    expect(s.chats.find("discord", CHANNEL)?.active).toBe(true);
    fake.dispatch("GUILD_DELETE", { id: GUILD });
    await waitUntil(() => s.chats.find("discord", CHANNEL)?.active === false);
  });

  it("never writes the bot token to the log", () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(TOKEN);
  });
});
