/**
 * Lost answers: the platform carries the send out, then the connection drops before the answer
 * (a reset, a timeout after the request was written). The engine retries such a send at most
 * once and counts it as uncertain; the duplicates a chat sees never exceed the uncertain count.
 * Telegram has no idempotency key, so each uncertain send may show twice; Discord's nonce,
 * derived from the ledger entry, makes the retry return the first message: no duplicate at all.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Pacer } from "../bots/discord/pacer.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { DiscordSender } from "../bots/discord/sender.ts";
import { TelegramSender } from "../bots/telegram/sender.ts";
import { textMessage } from "../src/core/message.ts";
import { DeliveryEngine, idempotencyKeyOf } from "../src/deliver/engine.ts";
import {
  type FakeDiscord,
  type SamplePaper,
  sampleDigest,
  startFakeDiscord,
} from "./fakes/discord.ts";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram.ts";
import { digestOf, stores } from "./helpers/delivery.ts";

const DAY = "2024-04-24";
const papers: SamplePaper[] = JSON.parse(
  readFileSync(new URL("./fixtures/discord/papers.json", import.meta.url), "utf8"),
);

let tg: FakeTelegram | undefined;
let discord: FakeDiscord | undefined;
afterEach(async () => {
  await tg?.close();
  await discord?.close();
  tg = undefined;
  discord = undefined;
});

describe("a send whose answer is lost", () => {
  it("Telegram: retried once, counted as uncertain; duplicates never exceed the uncertain count", async () => {
    tg = await startFakeTelegram({ limits: false });
    const sender = new TelegramSender({
      token: tg.token,
      apiRoot: tg.apiRoot,
      limits: {
        global: { perSecond: 10_000, burst: 1 },
        chat: { perSecond: 10_000, burst: 1 },
        group: { perSecond: 10_000, burst: 1 },
      },
    });
    const { chats, outbox } = stores();
    const all = Array.from({ length: 40 }, (_, i) =>
      chats.ensure({ platform: "telegram", chatId: String(700 + i), type: "private" }),
    );
    // Ten chats: the message is shown, the answer lost. One of them loses the retry's too.
    for (const chat of all.slice(0, 10))
      tg.fault({ chatId: chat.chatId, network: "drop-after-send" });
    tg.fault({ chatId: all[0]?.chatId, network: "drop-after-send" });
    const engine = new DeliveryEngine(
      { outbox, chats, senders: { telegram: sender } },
      { backoffMs: 1 },
    );
    const report = await engine.deliverAll(all.map((c) => digestOf(c, DAY, ["2404.00001"])));
    sender.close();
    expect(report.uncertain).toBe(11);
    expect(report).toMatchObject({ sent: 39, deferred: 1 });
    let duplicates = 0;
    for (const chat of all) {
      const n = tg.sentTo(chat.chatId).length;
      expect(n).toBeGreaterThanOrEqual(1);
      duplicates += n - 1;
    }
    // 9 chats show their message twice (the retry); the chat that lost both answers shows it
    // twice too and is deferred, never retried in a loop within the run.
    expect(duplicates).toBe(10);
    expect(duplicates).toBeLessThanOrEqual(report.uncertain);
    expect(tg.calls.filter((c) => c.method === "sendMessage")).toHaveLength(50); // 40 first sends and 10 single retries
  });

  it("Discord: every create carries a nonce from the ledger entry, so a lost answer repeats nothing", async () => {
    discord = await startFakeDiscord({ globalLimit: 0 });
    const rest = createDiscordRest({
      token: discord.token,
      apiRoot: discord.apiRoot,
      rest: { timeout: 5000 },
    });
    const sender = new DiscordSender(rest, new Pacer(1000));
    const { chats, outbox } = stores();
    const all = Array.from({ length: 30 }, (_, i) =>
      chats.ensure({
        platform: "discord",
        chatId: String(1_300_000_000_000_000_000n + BigInt(i)),
        type: "group",
      }),
    );
    for (const chat of all.slice(0, 10)) discord.dropAnswerNext(chat.chatId);
    const engine = new DeliveryEngine(
      { outbox, chats, senders: { discord: sender } },
      { backoffMs: 1 },
    );
    const message = sampleDigest(papers.slice(0, 10));
    const parts = sender.split(message).length;
    const report = await engine.deliverAll(
      all.map((chat) => ({ chat, announceDate: DAY, message })),
    );
    expect(report).toMatchObject({ sent: 30, messages: 30 * parts });
    expect(discord.stats.droppedAnswers).toBe(10);
    // Each dropped create was sent again (by @discordjs/rest or the engine) and replayed.
    expect(discord.stats.nonceReplays).toBe(10);
    for (const chat of all) expect(discord.messagesIn(chat.chatId)).toHaveLength(parts);
    const nonces = discord.messagesIn(all[0]?.chatId ?? "").map((m) => m.body.nonce);
    expect(nonces).toEqual(
      Array.from({ length: parts }, (_, i) => idempotencyKeyOf(all[0]?.id ?? 0, DAY, i)),
    );
    for (const n of nonces) expect(String(n).length).toBeLessThanOrEqual(25);
  });

  it("Discord without a nonce would have posted the lost message twice (what the nonce prevents)", async () => {
    discord = await startFakeDiscord({ globalLimit: 0 });
    const rest = createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot });
    const sender = new DiscordSender(rest, new Pacer(1000));
    const chat = {
      platform: "discord" as const,
      chatId: "1300000000000000999",
      type: "group" as const,
    };
    discord.dropAnswerNext(chat.chatId);
    const first = await sender.sendPart(chat, textMessage("一次")).catch((e: unknown) => e);
    if (first instanceof Error) await sender.sendPart(chat, textMessage("一次"));
    expect(discord.messagesIn(chat.chatId)).toHaveLength(2);
  });

  it("Discord: a crash mid-fan-out at 100 ms repeats nothing when the restart comes within the nonce window", async () => {
    discord = await startFakeDiscord({ globalLimit: 0, latencyMs: 100 });
    const fake = discord;
    const rest = createDiscordRest({ token: fake.token, apiRoot: fake.apiRoot });
    const sender = new DiscordSender(rest); // Discord's pacing, 48/s
    const { chats, outbox } = stores();
    const all = Array.from({ length: 40 }, (_, i) =>
      chats.ensure({
        platform: "discord",
        chatId: String(1_300_000_000_000_001_000n + BigInt(i)),
        type: "group",
      }),
    );
    const message = sampleDigest(papers.slice(0, 10));
    const parts = sender.split(message).length;
    const digests = () => all.map((chat) => ({ chat, announceDate: DAY, message }));
    const created = () => [...fake.messages.values()].reduce((n, list) => n + list.length, 0);
    // The first process, with the engine's defaults, dies half way: the messages on their way
    // are posted, their answers never read, and nothing more starts.
    const first = new DeliveryEngine({ outbox, chats, senders: { discord: sender } });
    const run = first.deliverAll(digests());
    await fake.waitFor(() => created() >= 30, 20_000);
    fake.dropAllAnswers(true);
    first.halt("the process died");
    await run;
    fake.dropAllAnswers(false);
    const inFlightAtCrash = created() - first.messages;
    // The restart resends them under the same nonces: Discord answers with the first messages.
    const second = new DeliveryEngine({ outbox, chats, senders: { discord: sender } });
    await second.resume();
    await second.deliverAll(digests());
    for (const chat of all) expect(fake.messagesIn(chat.chatId)).toHaveLength(parts);
    expect(inFlightAtCrash).toBeGreaterThan(0);
    expect(fake.stats.nonceReplays).toBeGreaterThanOrEqual(inFlightAtCrash);
    expect(outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
    console.log(
      `Discord crash at a 100 ms round trip: ${inFlightAtCrash} messages in flight at the crash ` +
        `(Telegram would show them twice), ${fake.stats.nonceReplays} resent and answered from ` +
        "the nonce, 0 duplicates",
    );
  }, 60_000);
});
