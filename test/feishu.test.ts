/**
 * Feishu custom-bot delivery against a fake Feishu on 127.0.0.1: the signature (checked against
 * a second implementation), the interactive card (chapters as sections, links as buttons, text
 * from outside only as plain text), pacing under 5/s and 100/min, and Feishu's error codes as
 * transient, gone and rejected. A wrong secret or a revoked webhook deactivates only that chat,
 * keeps the reason, and no log line holds the webhook URL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CardElement, toFeishuCard } from "../bots/feishu/card.ts";
import { classifyFeishu } from "../bots/feishu/errors.ts";
import { FeishuPacer } from "../bots/feishu/pacer.ts";
import { FeishuRejectedError, FeishuSender } from "../bots/feishu/sender.ts";
import { feishuChatId } from "../bots/feishu/settings.ts";
import { feishuSign } from "../bots/feishu/sign.ts";
import type { ChatAddress } from "../src/core/address.ts";
import { bold, link, type RichMessage, span } from "../src/core/message.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { createLogger } from "../src/log.ts";
import { EndpointStore } from "../src/store/endpoints.ts";
import { type FakeFeishu, startFakeFeishu } from "./fakes/feishu.ts";
import { HOSTILE_ID, sampleApp } from "./helpers/web-archive.ts";

let feishu: FakeFeishu;
beforeAll(async () => {
  feishu = await startFakeFeishu();
});
afterAll(() => feishu.close());

describe("signature", () => {
  it("matches Feishu's algorithm as an independent implementation computes it", () => {
    // base64(HMAC-SHA256(key = "1599360473\nsudi-test-secret", message = "")), from Python's hmac
    expect(feishuSign("sudi-test-secret", 1599360473)).toBe(
      "1Y+9ed/bv5tgAnF1aWdH/FckvaTXb+z6cv1GEVJCOMU=",
    );
  });
});

describe("the interactive card", () => {
  const message: RichMessage = {
    blocks: [
      { kind: "heading", title: [bold("📰 论文速递 · 2024-04-24")], lines: [[span("共 2 篇")]] },
      { kind: "heading", title: [bold("【文/图生视频】1 篇")], lines: [] },
      {
        kind: "card",
        paperId: "2404.02101",
        title: [bold("<at id=all></at> **标题** [x](https://evil.example)")],
        lines: [
          [span("💡 一句话：…")],
          [
            span("🔗 "),
            link("arXiv", "https://arxiv.org/abs/2404.02101"),
            span(" · "),
            link("PDF", "https://arxiv.org/pdf/2404.02101"),
          ],
        ],
      },
      { kind: "heading", title: [bold("【智能体(Agent)】1 篇")], lines: [] },
      { kind: "footer", lines: [[span("调整订阅：…")]] },
    ],
  };
  const card = toFeishuCard(message);

  it("puts the date line in the header and each chapter in its own section after a rule", () => {
    expect(card.header?.title.content).toBe("📰 论文速递 · 2024-04-24");
    const tags = card.elements.map((e) => e.tag);
    expect(tags.filter((t) => t === "hr")).toHaveLength(2);
    const headings = card.elements.filter(
      (e): e is Extract<CardElement, { tag: "div" }> => e.tag === "div" && e.text.tag === "lark_md",
    );
    expect(headings.map((h) => h.text.content)).toEqual([
      "**【文/图生视频】1 篇**",
      "**【智能体\\(Agent\\)】1 篇**",
    ]);
    expect(card.elements.at(-1)?.tag).toBe("note");
  });

  it("turns a card's links into buttons and keeps outside text as plain text", () => {
    const action = card.elements.find((e) => e.tag === "action");
    expect(
      action && "actions" in action ? action.actions.map((a) => [a.text.content, a.url]) : [],
    ).toEqual([
      ["arXiv", "https://arxiv.org/abs/2404.02101"],
      ["PDF", "https://arxiv.org/pdf/2404.02101"],
    ]);
    const body = card.elements.find(
      (e) => e.tag === "div" && e.text.content.includes("<at id=all>"),
    );
    expect(body && "text" in body ? body.text.tag : "").toBe("plain_text");
  });
});

describe("error codes", () => {
  it("maps Feishu's answers to transient, gone and rejected", () => {
    expect(classifyFeishu(200, { code: 0, msg: "success" }).kind).toBe("ok");
    expect(classifyFeishu(200, { code: 11232, msg: "frequency limited" }).kind).toBe("transient");
    expect(classifyFeishu(429, { code: 99991400 }, "7")).toEqual({
      kind: "transient",
      retryAfterMs: 7000,
      detail: "rate limited (99991400)",
    });
    expect(classifyFeishu(502, null).kind).toBe("transient");
    expect(classifyFeishu(200, { code: 19001 }).kind).toBe("gone");
    expect(classifyFeishu(200, { code: 19021 }).kind).toBe("gone");
    expect(classifyFeishu(200, { code: 19022 }).kind).toBe("gone");
    expect(classifyFeishu(404, null).kind).toBe("gone");
    expect(classifyFeishu(200, { code: 9499, msg: "Bad Request" }).kind).toBe("rejected");
    expect(classifyFeishu(200, { code: 19024, msg: "Key Words Not Found" }).kind).toBe("rejected");
  });
});

describe("pacing", () => {
  it("never lets more than 5 a second or 100 a minute go to one webhook", () => {
    let now = 0;
    const pacer = new FeishuPacer(undefined, () => now);
    const times: number[] = [];
    while (times.length < 130) {
      const wait = pacer.delayFor("hook");
      if (wait > 0) {
        now += wait;
        continue;
      }
      pacer.record("hook");
      times.push(now);
    }
    for (const t of times) {
      expect(times.filter((x) => x <= t && t - x < 1000).length).toBeLessThanOrEqual(5);
      expect(times.filter((x) => x <= t && t - x < 60_000).length).toBeLessThanOrEqual(100);
    }
    // the 6th waits for the second window, the 101st for the minute (each with a margin)
    expect(times[5]).toBe(1050);
    expect(times[100]).toBe(60_500);
  });
});

describe("delivery through the engine", () => {
  const logs: string[] = [];
  const log = createLogger({ level: "debug", json: true, write: (l) => logs.push(l) });
  afterEach(() => {
    logs.length = 0;
  });

  async function setup(hook: { url: string }, secret?: string) {
    const { app, services } = await sampleApp();
    const endpoints = new EndpointStore(app.db);
    const address: ChatAddress = {
      platform: "feishu",
      chatId: feishuChatId(hook.url),
      type: "group",
      title: "组会",
    };
    const chat = services.chats.ensure(address);
    endpoints.set(chat.id, { webhook: hook.url, ...(secret ? { secret } : {}) });
    services.subscriptions.add(chat.id, "topic", "text-to-video", "cli");
    services.subscriptions.add(chat.id, "topic", "agent", "cli");
    const sender = new FeishuSender({ endpoints, log });
    const engine = new DeliveryEngine(
      {
        outbox: services.outbox,
        deliveries: services.deliveries,
        chats: services.chats,
        senders: { feishu: sender },
        log,
      },
      { retries: 0, backoffMs: 1 },
    );
    const digest = services.digests.forChat(services.chats.byId(chat.id) ?? chat);
    if (!digest) throw new Error("no digest");
    return { app, services, endpoints, chat, engine, digest, sender };
  }

  it("delivers a signed digest as interactive cards, every paper once", async () => {
    const secret = "sudi-test-secret";
    const hook = feishu.addHook({ secret });
    const s = await setup(hook, secret);
    expect(await s.engine.deliver(s.digest)).toBe("sent");
    expect(hook.hook.cards.length).toBeGreaterThan(0);
    const text = JSON.stringify(hook.hook.cards);
    for (const item of s.digest.items)
      expect(text).toContain(`https://arxiv.org/abs/${item.paper.id}`);
    expect(text).toContain(HOSTILE_ID);
    expect(hook.hook.refused).toEqual({});
    expect(
      s.services.outbox.sentAmong(
        s.chat.id,
        s.digest.items.map((i) => i.paper.id),
      ).size,
    ).toBe(s.digest.items.length);
    s.app.close();
  });

  it("deactivates only the chat with a wrong secret, keeps why, and never logs the webhook", async () => {
    const hook = feishu.addHook({ secret: "the-right-secret" });
    const s = await setup(hook, "a-wrong-secret");
    expect(await s.engine.deliver(s.digest)).toBe("gone");
    const row = s.endpoints.get("feishu", feishuChatId(hook.url));
    expect(row?.active).toBe(false);
    expect(row?.inactiveReason).toContain("签名校验失败");
    const line = logs.find((l) => l.includes("feishu chat deactivated")) ?? "";
    expect(line).toContain("组会");
    const all = logs.join("\n");
    expect(all).not.toContain(hook.hook.token);
    expect(all).not.toContain("a-wrong-secret");
    s.app.close();
  });

  it("deactivates a chat whose webhook was revoked", async () => {
    const hook = feishu.addHook();
    hook.hook.revoked = true;
    const s = await setup(hook);
    expect(await s.engine.deliver(s.digest)).toBe("gone");
    expect(s.endpoints.get("feishu", feishuChatId(hook.url))?.inactiveReason).toContain(
      "webhook 已失效",
    );
    expect(logs.join("\n")).not.toContain(hook.hook.token);
    s.app.close();
  });

  it("refuses a message Feishu rejects without retrying it", async () => {
    const hook = feishu.addHook();
    const s = await setup(hook);
    const fetch: typeof globalThis.fetch = async () =>
      new Response(JSON.stringify({ code: 9499, msg: "Bad Request" }), { status: 200 });
    const sender = new FeishuSender({ endpoints: s.endpoints, log, fetch });
    const address: ChatAddress = {
      platform: "feishu",
      chatId: feishuChatId(hook.url),
      type: "group",
    };
    await expect(sender.sendPart(address, { blocks: [] })).rejects.toBeInstanceOf(
      FeishuRejectedError,
    );
    s.app.close();
  });
});
