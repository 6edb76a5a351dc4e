/**
 * The Discord sender against rate limits that @discordjs/rest itself waits out: a channel's
 * 429, a global 429, and a broadcast kept under the global limit by our Pacer and REST's
 * limiter together. REST's limiter runs on real timers (no clock can be injected), and the
 * fake Discord counts requests per real one-second window, so these run in the e2e project.
 */
import { type REST, RESTEvents } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Pacer } from "../bots/discord/pacer.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { DiscordSender } from "../bots/discord/sender.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { textMessage } from "../src/core/message.ts";
import { type FakeDiscord, startFakeDiscord } from "./fakes/discord.ts";

const channel = (chatId: string): ChatAddress => ({ platform: "discord", chatId, type: "group" });

let fake: FakeDiscord;
let sender: DiscordSender;
let rest: REST;

function makeSender(perSecond = 50) {
  rest = createDiscordRest({
    token: fake.token,
    apiRoot: fake.apiRoot,
    rest: { retries: 2, timeout: 5000, globalRequestsPerSecond: perSecond },
  });
  return new DiscordSender(rest, new Pacer(perSecond - 1));
}

/** Resolves once the client has read a 429 (and so knows it must wait). */
function clientSaw429(): Promise<void> {
  return new Promise((resolve) => {
    const listener = (_request: unknown, response: { status: number }) => {
      if (response.status !== 429) return;
      rest.off(RESTEvents.Response, listener);
      setImmediate(resolve);
    };
    rest.on(RESTEvents.Response, listener);
  });
}

beforeEach(async () => {
  fake = await startFakeDiscord({ token: "sender-test-token-0123456789" });
  sender = makeSender();
});
afterEach(async () => {
  await fake.close();
});

describe("DiscordSender under Discord's rate limits", () => {
  it("waits out a channel's 429 as Retry-After says and delivers exactly once", async () => {
    fake.failNext("100000000000000002", { status: 429, retryAfter: 0.1 }, 2);
    const id = await sender.sendPart(channel("100000000000000002"), textMessage("限流之后"));
    expect(fake.messagesIn("100000000000000002").map((m) => m.id)).toEqual([id]);
    expect(fake.stats.rateLimited).toBeGreaterThanOrEqual(1);
    expect(fake.stats.earlyRetries).toBe(0);
  });

  it("holds every request during a global 429", async () => {
    fake.failNext("100000000000000003", { status: 429, retryAfter: 0.1, global: true });
    const saw429 = clientSaw429();
    const first = sender.sendPart(channel("100000000000000003"), textMessage("一"));
    await saw429;
    // another channel, after the global 429: the client must hold it too
    await Promise.all([first, sender.sendPart(channel("100000000000000004"), textMessage("二"))]);
    expect(fake.stats.globalRateLimited).toBe(1);
    expect(fake.stats.earlyRetries).toBe(0);
    expect(fake.messagesIn("100000000000000003")).toHaveLength(1);
    expect(fake.messagesIn("100000000000000004")).toHaveLength(1);
  });

  it("spaces a broadcast under the global limit instead of hitting 429s", async () => {
    await fake.close();
    fake = await startFakeDiscord({ globalLimit: 20 });
    sender = makeSender(20);
    const chats = Array.from({ length: 30 }, (_, i) =>
      channel(`3000000000000000${String(i).padStart(2, "0")}`),
    );
    await Promise.all(chats.map((c) => sender.sendPart(c, textMessage("广播"))));
    expect(fake.stats.rateLimited).toBe(0);
    expect(fake.stats.peakPerWindow).toBeLessThanOrEqual(20);
    expect(chats.every((c) => fake.messagesIn(c.chatId).length === 1)).toBe(true);
  });
});
