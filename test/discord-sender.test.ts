import { readFileSync } from "node:fs";
import type { REST } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BROADCAST_PER_SECOND, Pacer } from "../bots/discord/pacer.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { DiscordRejectedError, DiscordSender, toSendError } from "../bots/discord/sender.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { textMessage } from "../src/core/message.ts";
import { ChatGoneError, TransientSendError } from "../src/deliver/sender.ts";
import {
  type FakeDiscord,
  type SamplePaper,
  sampleDigest,
  startFakeDiscord,
} from "./fakes/discord.ts";

const papers: SamplePaper[] = JSON.parse(
  readFileSync(new URL("./fixtures/discord/papers.json", import.meta.url), "utf8"),
);

const channel = (chatId: string): ChatAddress => ({ platform: "discord", chatId, type: "group" });
const dm = (userId: string): ChatAddress => ({
  platform: "discord",
  chatId: userId,
  type: "private",
});

let fake: FakeDiscord;
let sender: DiscordSender;

let rest: REST;

function makeSender(token = fake.token, perSecond = 50) {
  rest = createDiscordRest({
    token,
    apiRoot: fake.apiRoot,
    rest: { retries: 2, timeout: 5000, globalRequestsPerSecond: perSecond },
  });
  return new DiscordSender(
    rest,
    new Pacer(perSecond === 50 ? BROADCAST_PER_SECOND : perSecond - 1),
  );
}

beforeEach(async () => {
  fake = await startFakeDiscord({ token: "sender-test-token-0123456789" });
  sender = makeSender();
});
afterEach(async () => {
  await fake.close();
});

async function sendAll(chat: ChatAddress) {
  const ids: string[] = [];
  for (const part of sender.split(sampleDigest(papers.slice(0, 12))))
    ids.push(await sender.sendPart(chat, part));
  return ids;
}

describe("DiscordSender", () => {
  it("posts every part of a digest to the channel and returns Discord's message ids", async () => {
    const ids = await sendAll(channel("100000000000000001"));
    const stored = fake.messagesIn("100000000000000001");
    expect(stored.map((m) => m.id)).toEqual(ids);
    expect(ids.length).toBeGreaterThan(1);
    expect(fake.invalid).toEqual([]);
    expect(stored.every((m) => m.mentions.length === 0)).toBe(true);
    expect(stored.every((m) => JSON.stringify(m.body.allowed_mentions) === '{"parse":[]}')).toBe(
      true,
    );
  });

  it("opens a user's DM channel once and delivers there", async () => {
    await sender.sendPart(dm("200000000000000001"), textMessage("你好"));
    await sender.sendPart(dm("200000000000000001"), textMessage("再见"));
    const dmChannel = fake.dmChannels.get("200000000000000001") ?? "";
    expect(fake.messagesIn(dmChannel).map((m) => m.body.content)).toEqual(["你好", "再见"]);
    const opened = fake.requests.filter((r) => r.path.endsWith("/users/@me/channels"));
    expect(opened).toHaveLength(1);
  });

  it("reports a channel without Send Messages / Embed Links, or deleted, as gone", async () => {
    fake.failAlways("100000000000000005", { status: 403, code: 50013 });
    fake.failAlways("100000000000000006", { status: 403, code: 50001 });
    fake.failAlways("100000000000000007", { status: 404, code: 10003 });
    for (const id of ["100000000000000005", "100000000000000006", "100000000000000007"]) {
      const error = await sender.sendPart(channel(id), textMessage("x")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChatGoneError);
      expect((error as ChatGoneError).chatId).toBe(id);
    }
    const error = (await sender
      .sendPart(channel("100000000000000005"), textMessage("x"))
      .catch((e) => e)) as ChatGoneError;
    expect(error.reason).toContain("Send Messages");
  });

  it("reports a user who cannot be reached by DM as gone", async () => {
    fake.unknownUser("200000000000000009");
    const unknown = await sender
      .sendPart(dm("200000000000000009"), textMessage("x"))
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(ChatGoneError);
    await sender.sendPart(dm("200000000000000008"), textMessage("第一条"));
    fake.failAlways(fake.dmChannels.get("200000000000000008") ?? "", { status: 403, code: 50007 });
    const blocked = await sender
      .sendPart(dm("200000000000000008"), textMessage("x"))
      .catch((e) => e);
    expect(blocked).toBeInstanceOf(ChatGoneError);
    expect((blocked as ChatGoneError).chatId).toBe("200000000000000008");
  });

  it("retries a 5xx, then gives up with a TransientSendError", async () => {
    fake.failNext("100000000000000010", { status: 502 });
    await sender.sendPart(channel("100000000000000010"), textMessage("重试成功"));
    expect(fake.messagesIn("100000000000000010")).toHaveLength(1);

    fake.failAlways("100000000000000011", { status: 500 });
    const error = await sender
      .sendPart(channel("100000000000000011"), textMessage("x"))
      .catch((e) => e);
    expect(error).toBeInstanceOf(TransientSendError);
    const tries = fake.requests.filter((r) => r.path.includes("100000000000000011"));
    expect(tries).toHaveLength(3); // the request and 2 retries
  });

  it("keeps the token out of every error", async () => {
    const wrong = makeSender("wrong-token-that-must-not-leak");
    const unauthorised = await wrong
      .sendPart(channel("100000000000000012"), textMessage("x"))
      .catch((e) => e);
    expect(unauthorised).toBeInstanceOf(DiscordRejectedError);
    fake.failAlways("100000000000000013", { status: 500 });
    const transient = await sender
      .sendPart(channel("100000000000000013"), textMessage("x"))
      .catch((e) => e);
    for (const e of [unauthorised, transient]) {
      const text = `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack}`;
      expect(text).not.toContain("wrong-token-that-must-not-leak");
      expect(text).not.toContain(fake.token);
    }
  });

  it("tells a request Discord refused apart from a gone chat", async () => {
    const rest = createDiscordRest({ token: fake.token, apiRoot: fake.apiRoot });
    const refused = await rest
      .post("/channels/100000000000000014/messages", {
        body: { embeds: [{ title: "x".repeat(300) }] },
      })
      .catch((e) => e);
    const error = toSendError("100000000000000014", refused);
    expect(error).toBeInstanceOf(DiscordRejectedError);
    expect((error as DiscordRejectedError).code).toBe(50035);
    expect(fake.invalid[0]?.errors).toEqual({
      embeds: {
        "0": { title: { _errors: [expect.objectContaining({ code: "BASE_TYPE_BAD_LENGTH" })] } },
      },
    });
  });
});
