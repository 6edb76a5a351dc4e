import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { answerInteraction, autocompleteChoices } from "../bots/discord/answer.ts";
import { registerSlashCommands, slashCommands } from "../bots/discord/commands.ts";
import {
  chatOf,
  commandTextOf,
  isAdminOf,
  parseInteraction,
  toIncoming,
} from "../bots/discord/interactions.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { COMMANDS } from "../src/commands/handler.ts";
import type { CommandHandler, Incoming } from "../src/commands/types.ts";
import { type RichMessage, textMessage } from "../src/core/message.ts";
import { T } from "../src/core/texts/commands.ts";
import { createLogger } from "../src/log.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import {
  type FakeDiscord,
  type SamplePaper,
  sampleCard,
  sampleDigest,
  startFakeDiscord,
  validateMessageBody,
} from "./fakes/discord.ts";

type Raw = Record<string, unknown> & { id: string; token: string };

function fixture(name: string): Raw {
  return JSON.parse(
    readFileSync(new URL(`./fixtures/discord/${name}.json`, import.meta.url), "utf8"),
  );
}

/** The fixture with another member permission bitfield. */
function withPermissions(raw: Raw, permissions: string): Raw {
  const member = raw.member as Record<string, unknown>;
  return { ...raw, member: { ...member, permissions } };
}

const papers: SamplePaper[] = JSON.parse(
  readFileSync(new URL("./fixtures/discord/papers.json", import.meta.url), "utf8"),
);
const taxonomy = loadTaxonomy();

let fake: FakeDiscord;
let logLines: string[];

beforeEach(async () => {
  fake = await startFakeDiscord();
  logLines = [];
});
afterEach(async () => {
  await fake.close();
});

/** A handler that records what it was asked and answers with `answer`. */
function recordingHandler(answer: (incoming: Incoming) => Promise<RichMessage[]> | RichMessage[]) {
  const seen: { text: string; chatId: string; type: string; admin: boolean; userId: string }[] = [];
  const handler: CommandHandler = {
    handle: async (incoming) => {
      seen.push({
        text: incoming.text,
        chatId: incoming.chat.chatId,
        type: incoming.chat.type,
        admin: await incoming.isAdmin(),
        userId: incoming.userId,
      });
      return answer(incoming);
    },
  };
  return { handler, seen };
}

function answer(raw: Raw, handler: CommandHandler, deferAfterMs = 1500) {
  fake.registerInteraction(raw);
  const rest = createDiscordRest({ token: fake.token, apiRoot: fake.apiRoot });
  const log = createLogger({ level: "debug", json: true, write: (l) => logLines.push(l) });
  return answerInteraction(raw, { rest, handler, taxonomy, log, deferAfterMs });
}

/** A promise the test resolves by hand, to hold a command "running" as long as it needs. */
function gate<T = void>() {
  let open: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("interaction payloads as sudi's Incoming", () => {
  it("maps a guild slash command to the channel's chat and the typed command", () => {
    const i = parseInteraction(fixture("guild-subscribe-manager"));
    if (!i) throw new Error("fixture not parsed");
    expect(commandTextOf(i)).toBe("/subscribe 文生视频");
    expect(chatOf(i)).toEqual({
      platform: "discord",
      chatId: "1187431403344539749",
      type: "group",
      title: "#论文速递",
    });
    expect(toIncoming(i)?.userId).toBe("873201947366027264");
  });

  it("lets Manage Server, Manage Channels and Administrator manage a channel, and no one else", () => {
    const member = fixture("guild-subscribe-member");
    const admin = (permissions: string) => {
      const i = parseInteraction(withPermissions(member, permissions));
      if (!i) throw new Error("fixture not parsed");
      return isAdminOf(i);
    };
    expect(admin("1760221583494209")).toBe(false); // an ordinary member
    expect(admin("1760221583502403")).toBe(false); // a moderator: Manage Messages, Kick Members
    expect(admin(String(1760221583494209n | (1n << 5n)))).toBe(true); // Manage Server
    expect(admin(String(1760221583494209n | (1n << 4n)))).toBe(true); // Manage Channels
    expect(admin("8")).toBe(true); // Administrator
  });

  it("maps a DM to the user's private chat, where the user is always in charge", () => {
    const i = parseInteraction(fixture("dm-paper"));
    if (!i) throw new Error("fixture not parsed");
    expect(commandTextOf(i)).toBe("/paper 2404.14469");
    expect(chatOf(i)).toEqual({
      platform: "discord",
      chatId: "873201947366027264",
      type: "private",
      title: "小王",
    });
    expect(isAdminOf(i)).toBe(true);
  });

  it("reads a sudi button as the command it carries, and ignores what is not sudi's", () => {
    const button = parseInteraction(fixture("guild-button-paper"));
    if (!button) throw new Error("fixture not parsed");
    expect(commandTextOf(button)).toBe("/paper 2404.14469");
    const foreign = {
      ...fixture("guild-button-paper"),
      data: { component_type: 2, custom_id: "other:1" },
    };
    const parsed = parseInteraction(foreign);
    expect(parsed && commandTextOf(parsed)).toBeUndefined();
    expect(parseInteraction({ type: 2 })).toBeUndefined();
  });
});

describe("answering interactions", () => {
  it("answers a manager's /subscribe in place, with mentions disabled", async () => {
    const { handler, seen } = recordingHandler(() => [textMessage("已订阅：文生视频 @everyone")]);
    const raw = fixture("guild-subscribe-manager");
    await answer(raw, handler);
    expect(seen).toEqual([
      {
        text: "/subscribe 文生视频",
        chatId: "1187431403344539749",
        type: "group",
        admin: true,
        userId: "873201947366027264",
      },
    ]);
    const record = fake.interactions.get(raw.id);
    expect(record?.callbacks.map((c) => c.type)).toEqual([4]);
    expect(record?.original?.content).toBe("已订阅：文生视频 @\u200beveryone");
    expect(record?.original?.allowed_mentions).toEqual({ parse: [] });
  });

  it("warns in the /subscribe reply when the bot cannot post digests in the channel", async () => {
    const { handler } = recordingHandler(() => [textMessage("已订阅：文生视频")]);
    // View Channel and Send Messages, but no Embed Links
    const raw = {
      ...fixture("guild-subscribe-manager"),
      app_permissions: String((1n << 10n) | (1n << 11n)),
    };
    await answer(raw, handler);
    const original = fake.interactions.get(raw.id)?.original;
    expect(original?.content).toMatch(/^已订阅：文生视频\n\n⚠️ .*嵌入链接/);
    expect(fake.interactions.get(raw.id)?.followUps).toEqual([]);

    const allowed = fixture("guild-subscribe-manager");
    await answer(allowed, handler);
    expect(fake.interactions.get(allowed.id)?.original?.content).toBe("已订阅：文生视频");
  });

  it("tells the handler an ordinary member is no admin", async () => {
    const { handler, seen } = recordingHandler((i) => [
      textMessage(i.chat.type === "group" ? T.adminOnly("subscribe") : "ok"),
    ]);
    const raw = fixture("guild-subscribe-member");
    await answer(raw, handler);
    expect(seen[0]?.admin).toBe(false);
    expect(fake.interactions.get(raw.id)?.original?.content).toContain("只有群管理员");
  });

  it("defers /paper before the handler starts, then edits in the card", async () => {
    const raw = fixture("dm-paper");
    const handlerStarted = gate();
    const release = gate();
    const { handler } = recordingHandler(async () => {
      handlerStarted.open();
      await release.promise;
      return [{ blocks: [sampleCard(papers[0] as SamplePaper)] }];
    });
    const answering = answer(raw, handler);
    await handlerStarted.promise;
    const record = fake.interactions.get(raw.id);
    // the handler is still running, and Discord already has its acknowledgement
    expect(record?.callbacks.map((c) => c.type)).toEqual([5]);
    release.open();
    await answering;
    expect(record?.original?.embeds?.[0]?.url).toBe(`https://arxiv.org/abs/${papers[0]?.id}`);
    expect(record?.followUps).toEqual([]);
  });

  it("defers any command that runs longer than deferAfterMs, or that says it is working", async () => {
    const raw = fixture("guild-subscribe-manager");
    const { handler } = recordingHandler(async () => {
      await fake.waitFor(() => (fake.interactions.get(raw.id)?.callbacks.length ?? 0) > 0);
      return [textMessage("已订阅：文生视频")];
    });
    await answer(raw, handler, 20);
    const record = fake.interactions.get(raw.id);
    expect(record?.callbacks.map((c) => c.type)).toEqual([5]);
    expect(record?.original?.content).toBe("已订阅：文生视频");

    const working = {
      ...fixture("guild-subscribe-manager"),
      id: "1232264570474699999",
      token: "working-token",
    };
    const { handler: busy } = recordingHandler(async (incoming) => {
      incoming.onWorking?.();
      await fake.waitFor(() => (fake.interactions.get(working.id)?.callbacks.length ?? 0) > 0);
      return [textMessage("好了")];
    });
    await answer(working, busy, 60_000);
    expect(fake.interactions.get(working.id)?.callbacks.map((c) => c.type)).toEqual([5]);
  });

  it("sends a long reply as the original message plus follow-ups, each within Discord's limits", async () => {
    const raw = {
      ...fixture("guild-subscribe-manager"),
      data: { id: "1", name: "digest", type: 1 },
    };
    const { handler } = recordingHandler(() => [sampleDigest(papers)]);
    await answer(raw, handler);
    const record = fake.interactions.get(raw.id);
    expect(record?.callbacks.map((c) => c.type)).toEqual([5]);
    const messages = [record?.original, ...(record?.followUps ?? [])];
    expect(messages.length).toBeGreaterThan(2);
    expect(fake.invalid).toEqual([]);
    for (const m of messages) expect(m && validateMessageBody(m)).toBeUndefined();
    const cards = messages.flatMap((m) => m?.embeds ?? []).filter((e) => e.url?.includes("/abs/"));
    expect(cards).toHaveLength(papers.length);
  });

  it("answers a failing command with the Chinese apology instead of crashing", async () => {
    const raw = fixture("guild-subscribe-manager");
    await answer(raw, { handle: () => Promise.reject(new Error("database is locked")) });
    expect(fake.interactions.get(raw.id)?.original?.content).toBe(T.internalError);
  });

  it("survives an interaction Discord no longer knows, and keeps its token out of the log", async () => {
    const raw = { ...fixture("dm-paper"), token: "expired-interaction-token-secret" };
    const rest = createDiscordRest({
      token: fake.token,
      apiRoot: fake.apiRoot,
      rest: { retries: 0 },
    });
    const log = createLogger({ level: "debug", json: true, write: (l) => logLines.push(l) });
    const { handler } = recordingHandler(() => [textMessage("x")]);
    // never registered with the fake: the callback gets 404 Unknown interaction (10062)
    await answerInteraction(raw, { rest, handler, taxonomy, log });
    await answerInteraction({ nonsense: true }, { rest, handler, taxonomy, log });
    expect(logLines.some((l) => l.includes("10062"))).toBe(true);
    expect(logLines.join("\n")).not.toContain("expired-interaction-token-secret");
  });

  it("runs the command a sudi button carries", async () => {
    const raw = fixture("guild-button-paper");
    const { handler, seen } = recordingHandler(() => [textMessage("卡片")]);
    await answer(raw, handler);
    expect(seen[0]?.text).toBe("/paper 2404.14469");
    expect(fake.interactions.get(raw.id)?.callbacks.map((c) => c.type)).toEqual([5]);
  });
});

describe("autocomplete", () => {
  it("suggests topics for the word being typed, within Discord's 25 choices", async () => {
    const raw = fixture("guild-autocomplete-subscribe");
    const { handler, seen } = recordingHandler(() => []);
    await answer(raw, handler);
    const callback = fake.interactions.get(raw.id)?.callbacks[0];
    expect(callback?.type).toBe(8);
    const data = callback?.data as { choices: { name: string; value: string }[] } | undefined;
    const choices = data?.choices ?? [];
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices.map((c) => c.value)).toContain("文生视频");
    expect(seen).toEqual([]); // autocomplete never runs a command
  });

  it("offers 全部 (all) first when unsubscribing", () => {
    const raw = fixture("guild-autocomplete-subscribe");
    const data = {
      name: "unsubscribe",
      type: 1,
      options: [{ name: "topic", type: 3, value: "", focused: true }],
    };
    const i = parseInteraction({ ...raw, data });
    if (!i) throw new Error("fixture not parsed");
    const choices = autocompleteChoices(i, taxonomy);
    expect(choices[0]).toEqual({ name: "全部（all）", value: "all" });
    expect(choices).toHaveLength(25);
  });
});

describe("slash command registration", () => {
  it("registers every chat command with its Chinese description and typed options", async () => {
    const body = slashCommands(COMMANDS);
    expect(body.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    const byName = new Map(body.map((c) => [c.name, c]));
    expect(byName.get("subscribe")?.description).toBe("订阅主题、arXiv 分类或关键词");
    expect(byName.get("subscribe")?.options?.[0]).toMatchObject({
      name: "topic",
      type: 3,
      required: true,
      autocomplete: true,
    });
    expect(byName.get("unsubscribe")?.options?.[0]).toMatchObject({
      name: "topic",
      autocomplete: true,
    });
    expect(byName.get("paper")?.options?.[0]).toMatchObject({
      name: "id",
      type: 3,
      required: true,
    });
    expect(byName.get("settime")?.options?.[0]).toMatchObject({ name: "time", type: 3 });
    expect(byName.get("setlimit")?.options?.[0]).toMatchObject({
      name: "count",
      type: 4,
      min_value: 1,
      // both limits come from the command table, as /setlimit checks them
      max_value: 30,
    });
    const format = byName.get("setformat")?.options?.[0];
    expect(format && "choices" in format ? format.choices?.map((c) => c.value) : []).toEqual([
      "full",
      "brief",
      "表格",
      "标题",
    ]);
    // the roll-up commands take their argument as text (周报 2024-W17)
    expect(byName.get("report")?.options?.[0]).toMatchObject({ name: "period", type: 3 });
    expect(byName.get("setfreq")?.options?.[0]).toMatchObject({ name: "frequency", type: 3 });
    expect(byName.get("list")?.options).toEqual([]);
    for (const c of body) expect(c.contexts).toEqual([0, 1]);

    const rest = createDiscordRest({ token: fake.token, apiRoot: fake.apiRoot });
    await registerSlashCommands(rest, fake.applicationId, COMMANDS, "1187431402547617832");
    expect(fake.invalid).toEqual([]);
    expect(fake.commands.global).toHaveLength(COMMANDS.length);
    expect(fake.commands.guilds.get("1187431402547617832")).toHaveLength(COMMANDS.length);
  });

  it("registers only globally without a guild id", async () => {
    const rest = createDiscordRest({ token: fake.token, apiRoot: fake.apiRoot });
    await registerSlashCommands(rest, fake.applicationId, COMMANDS);
    expect(fake.commands.global).toHaveLength(COMMANDS.length);
    expect(fake.commands.guilds.size).toBe(0);
  });
});
