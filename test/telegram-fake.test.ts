/**
 * The fake Bot API is what every Telegram test trusts, so its protocol is checked here with
 * plain HTTP calls: Telegram's answers, HTML validation, long polling, limits and faults.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeTelegram,
  fakeErrors,
  fakeGroup,
  fakeUser,
  privateChatOf,
  startFakeTelegram,
} from "./fakes/telegram.ts";

let tg: FakeTelegram | undefined;
afterEach(async () => {
  await tg?.close();
  tg = undefined;
});

async function call(
  fake: FakeTelegram,
  method: string,
  params: Record<string, unknown> = {},
  token = fake.token,
) {
  const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("fake Telegram Bot API", () => {
  it("answers like Telegram: 401 for a wrong token, 404 for an unknown method, getMe", async () => {
    tg = await startFakeTelegram({ limits: false });
    expect(await call(tg, "getMe", {}, "1:wrong")).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    expect((await call(tg, "sendTelepathy")).status).toBe(404);
    const me = await call(tg, "getMe");
    expect(me.body).toMatchObject({
      ok: true,
      result: { is_bot: true, username: "sudi_test_bot" },
    });
  });

  it("validates HTML the way Telegram does and records the visible text", async () => {
    tg = await startFakeTelegram({ limits: false });
    const send = (text: string) =>
      call(tg as FakeTelegram, "sendMessage", { chat_id: 5, text, parse_mode: "HTML" });
    expect((await send("<script>x</script>")).body).toEqual({
      ok: false,
      error_code: 400,
      description:
        'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 0',
    });
    expect((await send("中<b>x</i>")).body.description).toBe(
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</b>", found "</i>"',
    );
    expect((await send("<b>open")).body.description).toBe(
      "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    );
    expect((await send("a < b")).body.description).toContain("Unsupported start tag");
    const ok = await send(
      '<b>A &amp; B</b> &lt;ok&gt; <a href="https://arxiv.org/abs/1">x</a> &nbsp;',
    );
    expect(ok.body.ok).toBe(true);
    expect(tg.sentTo(5)[0]).toMatchObject({
      text: "A & B <ok> x &nbsp;",
      entities: [
        { type: "bold", offset: 0, length: 5 },
        { type: "text_link", offset: 11, length: 1, url: "https://arxiv.org/abs/1" },
      ],
    });
  });

  it("limits the text after parsing to 4096 UTF-16 units and refuses empty text", async () => {
    tg = await startFakeTelegram({ limits: false });
    const fits = await call(tg, "sendMessage", {
      chat_id: 5,
      text: `<b>${"a".repeat(4096)}</b>`,
      parse_mode: "HTML",
    });
    expect(fits.body.ok).toBe(true);
    const over = await call(tg, "sendMessage", { chat_id: 5, text: "😀".repeat(2049) });
    expect(over.body.description).toBe("Bad Request: message is too long");
    const empty = await call(tg, "sendMessage", {
      chat_id: 5,
      text: "<b> </b>",
      parse_mode: "HTML",
    });
    expect(empty.body.description).toBe("Bad Request: message text is empty");
  });

  it("accepts urlencoded bodies with JSON-typed fields, as some clients send them", async () => {
    tg = await startFakeTelegram({ limits: false });
    const res = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({
        chat_id: "-42",
        text: "hi",
        reply_markup: JSON.stringify({
          inline_keyboard: [[{ text: "PDF", url: "https://arxiv.org/pdf/1" }]],
        }),
      }),
    });
    expect(res.status).toBe(200);
    expect(tg.sentTo(-42)[0]?.replyMarkup).toEqual({
      inline_keyboard: [[{ text: "PDF", url: "https://arxiv.org/pdf/1" }]],
    });
    const bad = await call(tg, "sendMessage", {
      chat_id: 1,
      text: "x",
      reply_markup: { inline_keyboard: [[{ text: "x", callback_data: "é".repeat(33) }]] },
    });
    expect(bad.body.description).toBe("Bad Request: BUTTON_DATA_INVALID");
  });

  it("long-polls getUpdates: waits for an update, confirms by offset, filters allowed_updates", async () => {
    tg = await startFakeTelegram({ limits: false });
    const fake = tg;
    const polling = call(fake, "getUpdates", { timeout: 5, allowed_updates: ["message"] });
    await fake.waitUntil(() => fake.calls.some((c) => c.method === "getUpdates"));
    fake.myChatMember(fakeGroup(-1, "g"), fakeUser(1), "left", "member"); // not allowed: dropped
    fake.message(privateChatOf(fakeUser(9)), fakeUser(9), "/start");
    const first = (await polling).body.result as { update_id: number; message: { text: string } }[];
    expect(first).toHaveLength(1);
    expect(first[0]?.message.text).toBe("/start");
    expect(first[0]?.message).toMatchObject({
      entities: [{ type: "bot_command", offset: 0, length: 6 }],
    });
    const again = await call(fake, "getUpdates", { offset: first[0]?.update_id });
    expect((again.body.result as unknown[]).length).toBe(1);
    const confirmed = await call(fake, "getUpdates", { offset: (first[0]?.update_id ?? 0) + 1 });
    expect(confirmed.body.result).toEqual([]);
  });

  it("answers 429 with retry_after when a chat goes over its limit", async () => {
    tg = await startFakeTelegram({ limits: { chat: { perSecond: 1, burst: 2 } } });
    expect((await call(tg, "sendMessage", { chat_id: 3, text: "1" })).body.ok).toBe(true);
    expect((await call(tg, "sendMessage", { chat_id: 3, text: "2" })).body.ok).toBe(true);
    const limited = await call(tg, "sendMessage", { chat_id: 3, text: "3" });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 },
    });
    expect((await call(tg, "sendMessage", { chat_id: 4, text: "other chat" })).body.ok).toBe(true);
    expect(tg.stats.rateLimited).toBe(1);
  });

  it("plays scripted faults, blocked chats and migrated groups", async () => {
    tg = await startFakeTelegram({ limits: false });
    tg.fault({ chatId: 1, error: fakeErrors.badGateway });
    expect((await call(tg, "sendMessage", { chat_id: 1, text: "x" })).status).toBe(502);
    expect((await call(tg, "sendMessage", { chat_id: 1, text: "x" })).status).toBe(200);
    tg.blockChat(2);
    expect((await call(tg, "sendMessage", { chat_id: 2, text: "x" })).body.description).toBe(
      "Forbidden: bot was blocked by the user",
    );
    const group = fakeGroup(-77, "读书会");
    const moved = tg.migrateGroup(group, fakeUser(1));
    expect(moved).toMatchObject({ id: -10077, type: "supergroup" });
    expect((await call(tg, "sendMessage", { chat_id: -77, text: "x" })).body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: group chat was upgraded to a supergroup chat",
      parameters: { migrate_to_chat_id: -10077 },
    });
    tg.fault({ network: "drop" });
    await expect(call(tg, "sendMessage", { chat_id: 3, text: "x" })).rejects.toThrow();
  });
});
