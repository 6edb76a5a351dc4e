import { afterEach, describe, expect, it } from "vitest";
import { TelegramRejectedError } from "../bots/telegram/errors.ts";
import {
  type SenderStats,
  TelegramSender,
  type TelegramSenderOptions,
} from "../bots/telegram/sender.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { ManualClock } from "../src/core/clock.ts";
import { bold, link, type RichMessage, span, textMessage } from "../src/core/message.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { ChatGoneError, ChatMigratedError, TransientSendError } from "../src/deliver/sender.ts";
import { createLogger } from "../src/log.ts";
import { type FakeTelegram, fakeErrors, startFakeTelegram } from "./fakes/telegram.ts";
import { runOnClock } from "./helpers/clock.ts";
import { digestOf, stores } from "./helpers/delivery.ts";

/** The tests' time: it moves only when a test moves it (HIGH_LIMITS never make a send wait). */
const START = "2024-04-24T01:00:00Z";

const HIGH_LIMITS = {
  global: { perSecond: 10_000, burst: 100 },
  chat: { perSecond: 10_000, burst: 100 },
  group: { perSecond: 10_000, burst: 100 },
};

let tg: FakeTelegram | undefined;
let senders: TelegramSender[] = [];
afterEach(async () => {
  for (const s of senders) s.close();
  senders = [];
  await tg?.close();
  tg = undefined;
});

function logLines() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", json: true, write: (l) => lines.push(l) }) };
}

async function setup(options: Partial<TelegramSenderOptions> = {}, fakeLimits = false as const) {
  tg = await startFakeTelegram({ limits: fakeLimits });
  const clock = new ManualClock(START);
  const { lines, log } = logLines();
  const sender = new TelegramSender({
    token: tg.token,
    apiRoot: tg.apiRoot,
    limits: HIGH_LIMITS,
    clock,
    log,
    ...options,
  });
  senders.push(sender);
  return { fake: tg, sender, clock, lines };
}

const privateChat = (id: number): ChatAddress => ({
  platform: "telegram",
  chatId: String(id),
  type: "private",
});
const groupChat = (id: number): ChatAddress => ({
  platform: "telegram",
  chatId: String(id),
  type: "group",
});

const CARD: RichMessage = {
  blocks: [
    {
      kind: "card",
      paperId: "2404.14469",
      title: [bold("SnapKV：生成前就知道该看哪里 <b> & </b>")],
      lines: [
        [span("💡 一句话：压缩 KV cache。")],
        [link("arXiv", "https://arxiv.org/abs/2404.14469")],
      ],
    },
  ],
  buttons: [
    { label: "详细", command: "/paper 2404.14469" },
    { label: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
  ],
};

describe("TelegramSender", () => {
  it("sends HTML with link previews off and the buttons as an inline keyboard", async () => {
    const { fake, sender } = await setup();
    const id = await sender.sendPart(privateChat(11), CARD);
    const [sent] = fake.sentTo(11);
    expect(id).toBe(String(sent?.message_id));
    expect(sent).toMatchObject({
      parseMode: "HTML",
      linkPreviewOptions: { is_disabled: true },
      replyMarkup: {
        inline_keyboard: [
          [
            { text: "详细", callback_data: "/paper 2404.14469" },
            { text: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
          ],
        ],
      },
    });
    expect(sent?.text).toBe(
      "SnapKV：生成前就知道该看哪里 <b> & </b>\n💡 一句话：压缩 KV cache。\narXiv",
    );
    expect(sent?.entities.map((e) => e.type)).toEqual(["bold", "text_link"]);
  });

  it("a 429 holds the chat for retry_after and throws TransientSendError (undelivered) at once", async () => {
    const { fake, sender, clock } = await setup();
    fake.fault({ chatId: 12, error: fakeErrors.tooManyRequests(3) });
    const error = await sender.sendPart(privateChat(12), textMessage("一次")).catch((e) => e);
    expect(error).toBeInstanceOf(TransientSendError);
    expect(error).toMatchObject({ retryAfterMs: 3000, outcome: "undelivered" });
    // the sender does not wait: the engine decides
    expect([clock.now(), clock.waiting]).toEqual([Date.parse(START), 0]);
    expect(sender.readyIn(privateChat(12))).toBeGreaterThan(2900);
    expect(sender.readyIn(privateChat(99))).toBe(0);
    expect(fake.sentTo(12)).toHaveLength(0);
    expect(sender.stats).toMatchObject({ sent: 0, rateLimited: 1 } satisfies Partial<SenderStats>);
  });

  it("never sends a part twice: a 5xx or a lost answer is thrown as ambiguous after one request", async () => {
    const { fake, sender } = await setup();
    fake.fault({ chatId: 14, error: fakeErrors.badGateway });
    const first = await sender.sendPart(privateChat(14), textMessage("a")).catch((e) => e);
    expect(first).toBeInstanceOf(TransientSendError);
    expect(first).toMatchObject({ outcome: "ambiguous" });
    fake.fault({ chatId: 14, network: "drop-after-send" });
    const second = await sender.sendPart(privateChat(14), textMessage("b")).catch((e) => e);
    expect(second).toMatchObject({ name: "TransientSendError", outcome: "ambiguous" });
    // the dropped answer's message was shown once, and nothing was sent again
    expect(fake.sentTo(14).map((m) => m.text)).toEqual(["b"]);
    expect(fake.calls.filter((c) => c.method === "sendMessage")).toHaveLength(2);
  });

  it("throws TransientSendError naming the chat but never the token", async () => {
    const { fake, sender, lines } = await setup();
    fake.fault({ chatId: 15, network: "drop", times: Number.POSITIVE_INFINITY });
    const error = await sender.sendPart(privateChat(15), textMessage("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientSendError);
    const text = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause ?? "")} ${lines.join("\n")}`;
    expect(text).toContain("15");
    expect(text).not.toContain(fake.token);
    expect(text).not.toContain(fake.token.split(":")[1]);
  });

  it("a refused connection is undelivered, and never leaks the token", async () => {
    const { lines, log } = logLines();
    const token = "987654321:AAHsecretSecretSecretSecret_abcdefghi";
    const sender = new TelegramSender({
      token,
      apiRoot: "http://127.0.0.1:9", // nothing listens on the discard port
      clock: new ManualClock(START),
      limits: HIGH_LIMITS,
      log,
    });
    senders.push(sender);
    const error = (await sender
      .sendPart(privateChat(1), textMessage("x"))
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TransientSendError);
    expect(error).toMatchObject({ outcome: "undelivered" });
    const everything = [error.message, error.stack, String(error.cause), ...lines].join("\n");
    expect(everything).not.toContain("AAHsecret");
  });

  it("turns 403 and 'chat not found' into ChatGoneError", async () => {
    const { fake, sender } = await setup();
    fake.blockChat(16);
    fake.fault({ chatId: -17, error: fakeErrors.chatNotFound });
    const blocked = await sender
      .sendPart(privateChat(16), textMessage("x"))
      .catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(ChatGoneError);
    expect((blocked as ChatGoneError).reason).toBe("403: Forbidden: bot was blocked by the user");
    await expect(sender.sendPart(groupChat(-17), textMessage("x"))).rejects.toBeInstanceOf(
      ChatGoneError,
    );
  });

  it("follows a group that became a supergroup: reports the new id and resends there", async () => {
    const moves: [string, string][] = [];
    const { fake, sender } = await setup({
      onChatMigrated: (from, to) => void moves.push([from, to]),
    });
    fake.fault({
      chatId: -18,
      error: fakeErrors.migrated(-10018),
      times: Number.POSITIVE_INFINITY,
    });
    await sender.sendPart(groupChat(-18), textMessage("第一条"));
    await sender.sendPart(groupChat(-18), textMessage("第二条"));
    expect(moves).toEqual([["-18", "-10018"]]);
    expect(fake.sentTo(-10018).map((m) => m.text)).toEqual(["第一条", "第二条"]);
    expect(
      fake.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === "-18"),
    ).toHaveLength(1);
  });

  it("throws ChatMigratedError when nobody listens for migrations", async () => {
    const { fake, sender } = await setup();
    fake.fault({ chatId: -19, error: fakeErrors.migrated(-10019) });
    const error = await sender.sendPart(groupChat(-19), textMessage("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatMigratedError);
    expect(error).toMatchObject({ chatId: "-19", newChatId: "-10019" });
  });

  it("logs a refused HTML message with its chat and resends it as plain text", async () => {
    const { fake, sender, lines } = await setup();
    fake.fault({
      chatId: 20,
      error: fakeErrors.cantParse('Unsupported start tag "x" at byte offset 0'),
    });
    await sender.sendPart(privateChat(20), CARD);
    const [sent] = fake.sentTo(20);
    expect(sent?.parseMode).toBeUndefined();
    expect(sent?.text).toContain("SnapKV：生成前就知道该看哪里 <b> & </b>");
    expect(sent?.text).toContain("arXiv https://arxiv.org/abs/2404.14469");
    expect(sent?.replyMarkup).toEqual({
      inline_keyboard: [
        [
          { text: "详细", callback_data: "/paper 2404.14469" },
          { text: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
        ],
      ],
    });
    const warning = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.level === "warn");
    expect(warning).toMatchObject({ chatId: "20", msg: expect.stringContaining("plain text") });
    expect(sender.stats.plainTextFallbacks).toBe(1);
  });

  it("throws TelegramRejectedError for refusals retrying cannot fix", async () => {
    const { fake, sender } = await setup();
    fake.fault({
      chatId: 21,
      error: { error_code: 400, description: "Bad Request: message is too long" },
    });
    await expect(sender.sendPart(privateChat(21), textMessage("x"))).rejects.toBeInstanceOf(
      TelegramRejectedError,
    );
  });

  it("quotes the command it answers when asked", async () => {
    const { fake, sender } = await setup();
    await sender.sendPart(groupChat(-22), textMessage("回复"), { replyTo: 5, lane: "interactive" });
    expect(fake.sentTo(-22)[0]?.replyParameters).toEqual({
      message_id: 5,
      allow_sending_without_reply: true,
    });
  });
});

describe("TelegramSender under the delivery engine, against Telegram's rate limits", () => {
  it("recovers from real 429s when it sends faster than a chat allows, delivering each once", async () => {
    // No pacing on our side; the fake enforces 1 message/s per chat with a burst of 2. The
    // sender, the engine and the fake share one ManualClock: Retry-After costs no real time.
    const clock = new ManualClock(START);
    tg = await startFakeTelegram({ limits: { chat: { perSecond: 1, burst: 2 } }, clock });
    const sender = new TelegramSender({
      token: tg.token,
      apiRoot: tg.apiRoot,
      limits: HIGH_LIMITS,
      clock,
    });
    senders.push(sender);
    const { chats, outbox, deliveries } = stores();
    const chat = chats.ensure({ platform: "telegram", chatId: "30", type: "private" });
    const engine = new DeliveryEngine(
      { outbox, deliveries, chats, senders: { telegram: sender }, clock },
      { inFlightPerPlatform: 1, backoffMs: 5 },
    );
    // one message per block, so the chat gets seven messages in a row
    sender.split = (m) => m.blocks.map((b) => ({ blocks: [b] }));
    const delivering = engine.deliver(digestOf(chat, "2024-04-24", ["a", "b", "c", "d", "e"]));
    expect(await runOnClock(clock, delivering)).toBe("sent");
    const texts = tg.sentTo(30).map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length); // each once
    expect(texts).toHaveLength(7); // heading, 5 cards, footer
    expect(tg.stats.rateLimited).toBeGreaterThan(0);
    expect(sender.stats.rateLimited).toBe(tg.stats.rateLimited);
  });

  it("broadcasts to 200 chats under the limits: every message exactly once, in order, no 429", async () => {
    // Telegram's rates scaled up 10× (fewer clock steps); our pacing is scaled alike. The
    // sender, the engine and the fake's limits share one ManualClock, so the pacing costs no
    // real time. (Without the bot-wide pacing this test meets dozens of 429s.)
    const clock = new ManualClock(START);
    tg = await startFakeTelegram({
      limits: {
        chat: { perSecond: 10, burst: 3 },
        group: { perSecond: 200 / 60, burst: 20 },
        global: { perSecond: 300, burst: 300 },
      },
      clock,
    });
    const sender = new TelegramSender({
      token: tg.token,
      apiRoot: tg.apiRoot,
      limits: {
        chat: { perSecond: 10, burst: 1 },
        group: { perSecond: 160 / 60, burst: 4 },
        global: { perSecond: 285, burst: 1 },
      },
      clock,
    });
    senders.push(sender);
    const { chats, outbox, deliveries } = stores();
    const engine = new DeliveryEngine(
      { outbox, deliveries, chats, senders: { telegram: sender }, clock },
      { backoffMs: 5 },
    );
    const all = Array.from({ length: 200 }, (_, i) =>
      chats.ensure(i % 2 ? groupChat(-1000 - i) : privateChat(1000 + i)),
    );
    // A few transient faults along the way must not cause losses or duplicates.
    for (const chat of all.slice(0, 10))
      tg.fault({ chatId: chat.chatId, error: fakeErrors.badGateway });
    tg.fault({ chatId: all[20]?.chatId, network: "drop" });
    const digest = (chat: (typeof all)[number]) => ({
      chat,
      announceDate: "2024-04-24",
      message: {
        blocks: [1, 2, 3, 4].map((n) => ({
          kind: "card" as const,
          paperId: `p${n}`,
          lines: [[span(`${chat.chatId} 第${n}篇 ${"字".repeat(2500)}`)]],
        })),
      },
    });
    const report = await runOnClock(clock, engine.deliverAll(all.map(digest)));
    expect(report).toMatchObject({ sent: 200, messages: 800, uncertain: 11 });
    const fake = tg;
    for (const chat of all) {
      const texts = fake.sentTo(chat.chatId).map((m) => m.text.split(" ").slice(0, 2).join(" "));
      expect(texts).toEqual([1, 2, 3, 4].map((n) => `${chat.chatId} 第${n}篇`));
    }
    expect(fake.stats.rateLimited).toBe(0);
    expect(fake.sent).toHaveLength(800);
  });
});
