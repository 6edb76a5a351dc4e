/**
 * Buttons under cards: press data within Telegram's and Discord's limits, one row per card,
 * votes per member with a second press taking them back, counts shown by re-labelling (never
 * a new message), and the edit rate limit.
 */
import { describe, expect, it } from "vitest";
import { renderDiscordPayload, splitForDiscord } from "../bots/discord/render.ts";
import {
  splitTelegram,
  TELEGRAM_BUTTON_LIMIT,
  TELEGRAM_CALLBACK_DATA_LIMIT,
  toTelegramKeyboard,
} from "../bots/telegram/render.ts";
import type { CommandDeps } from "../src/commands/context.ts";
import { createPressHandler, RelabelThrottle, type TimerLike } from "../src/commands/press.ts";
import type { ButtonPress } from "../src/commands/types.ts";
import { allButtons } from "../src/core/message.ts";
import { cardButtons, decodePress, encodePress } from "../src/digest/buttons.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { GROUP, paper, realCard, setup } from "./commands-setup.ts";

type S = ReturnType<typeof setup>;

function day(s: S, n: number, density: "full" | "brief") {
  for (let i = 0; i < n; i++) {
    const p = paper(`2404.${String(10000 + i)}`, { title: `Video generation ${i}` });
    s.papers.upsert(p, { date: "2024-04-24", type: "new" });
    s.cards.put(realCard(p, { score: 3 }));
  }
  const chat = s.chats.ensure(GROUP);
  s.subscriptions.add(chat.id, "topic", "text-to-video", null);
  return s.chats.update(chat.id, { digestLimit: 30, density });
}

describe("press data", () => {
  it("round-trips and stays within 64 bytes, old-style ids included", () => {
    for (const paperId of ["2404.14469", "0704.0001", "math.AG/0601001", "solv-int/9901001"]) {
      for (const action of ["up", "down", "star", "deep"] as const) {
        const data = encodePress({ action, paperId, number: 30 });
        expect(Buffer.byteLength(data)).toBeLessThanOrEqual(TELEGRAM_CALLBACK_DATA_LIMIT);
        expect(decodePress(data)).toEqual({ action, paperId, number: 30 });
      }
    }
    for (const forged of [
      "v1:x:2404.14469:1",
      "v1:u:../../etc:1",
      "/paper 2404.14469",
      "v1:u:2404.14469:999",
    ]) {
      expect(decodePress(forged)).toBeNull();
    }
  });

  it("a Telegram digest part has one row per card, ≤ 100 buttons, every data ≤ 64 bytes", () => {
    const s = setup();
    const chat = day(s, 30, "brief");
    const digest = s.digests.forChat(chat);
    const parts = splitTelegram(digest?.message ?? { blocks: [] });
    expect(parts.length).toBeGreaterThan(1); // 30 cards × 4 buttons do not fit one keyboard
    let cards = 0;
    for (const part of parts) {
      const keyboard = toTelegramKeyboard(part)?.inline_keyboard ?? [];
      const buttons = keyboard.flat();
      expect(buttons.length).toBeLessThanOrEqual(TELEGRAM_BUTTON_LIMIT);
      const cardBlocks = part.blocks.filter((b) => b.kind === "card");
      expect(keyboard).toHaveLength(cardBlocks.length);
      cards += cardBlocks.length;
      for (const b of buttons) {
        expect("callback_data" in b && Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
      }
    }
    expect(cards).toBe(30);
    // rows are numbered like the cards
    const first = toTelegramKeyboard(parts[0] ?? { blocks: [] })?.inline_keyboard[0] ?? [];
    expect(first.map((b) => b.text)).toEqual(["①👍", "①👎", "①⭐", "①深读"]);
    expect(toPlainText(parts[0] ?? { blocks: [] })).toContain("① ");
  });

  it("a Discord digest message carries at most 5 cards in at most 5 action rows", () => {
    const s = setup();
    const chat = day(s, 12, "full");
    const parts = splitForDiscord(s.digests.forChat(chat)?.message ?? { blocks: [] });
    let cards = 0;
    for (const part of parts) {
      const payload = renderDiscordPayload(part);
      const n = part.blocks.filter((b) => b.kind === "card").length;
      expect(n).toBeLessThanOrEqual(5);
      expect((payload.components ?? []).length).toBe(n);
      for (const row of payload.components ?? [])
        expect(row.components.length).toBeLessThanOrEqual(5);
      cards += n;
    }
    expect(cards).toBe(12);
  });

  it("a /paper reply carries the full row, then the links", () => {
    const row = cardButtons("2404.14469", 0);
    expect(row.map((b) => b.label)).toEqual(["👍", "👎", "⭐ 收藏", "深读"]);
    const keyboard = toTelegramKeyboard({
      blocks: [{ kind: "card", lines: [], paperId: "2404.14469", buttons: row }],
      buttons: [{ label: "📄 arXiv", url: "https://arxiv.org/abs/2404.14469" }],
    });
    expect(keyboard?.inline_keyboard.map((r) => r.length)).toEqual([4, 1]);
  });
});

describe("votes", () => {
  function press(
    userId: string,
    data: string,
    buttons: string[],
    relabels: Map<string, string>[],
  ): ButtonPress {
    return {
      chat: GROUP,
      userId,
      data,
      message: { id: "77", buttons },
      isAdmin: async () => false,
      relabel: async (labels) => {
        relabels.push(new Map(labels));
      },
    };
  }

  it("are per member, toggle on a second press, and show as counts without a message", async () => {
    const s = setup({ relabelIntervalMs: 0 });
    const chat = day(s, 2, "full");
    const message = s.digests.forChat(chat)?.message ?? { blocks: [] };
    const buttons = allButtons(message).flatMap((b) => (b.press ? [b.press] : []));
    const [up1 = "", down1 = "", star1 = ""] = buttons;
    const relabels: Map<string, string>[] = [];

    const a = await s.bot.press(press("1", up1, buttons, relabels));
    expect(a).toEqual({ toast: "已记录 👍", replies: [] });
    await s.bot.press(press("2", up1, buttons, relabels));
    await Promise.resolve();
    expect(relabels.at(-1)?.get(up1)).toBe("①👍2");
    // a second press by the same member takes the vote back
    expect((await s.bot.press(press("1", up1, buttons, relabels))).toast).toBe("已撤回");
    // 👎 replaces that member's 👍
    await s.bot.press(press("2", down1, buttons, relabels));
    await Promise.resolve();
    expect(relabels.at(-1)?.get(up1)).toBe("①👍");
    expect(relabels.at(-1)?.get(down1)).toBe("①👎1");
    // ⭐ saves for the person; again un-saves
    expect((await s.bot.press(press("1", star1, buttons, relabels))).toast).toContain("已收藏");
    await Promise.resolve();
    expect(relabels.at(-1)?.get(star1)).toBe("①⭐1");
    expect(await s.say("/saved", { userId: "1" })).toContain("共 1 篇");
    expect((await s.bot.press(press("1", star1, buttons, relabels))).toast).toBe("已取消收藏");
    expect(await s.say("/saved", { userId: "1" })).toContain("还没有收藏");
    // every relabel covered every vote button of the message
    for (const labels of relabels) expect(labels.size).toBe(8);
  });

  it("深读 runs the deep command of the table; forged data is refused", async () => {
    const s = setup();
    const chat = day(s, 1, "full");
    const deep = allButtons(s.digests.forChat(chat)?.message ?? { blocks: [] }).find((b) =>
      b.label.includes("深读"),
    );
    const viaButton = await s.bot.press(press("1", deep?.press ?? "", [], []));
    const typed = await s.send("/deep 2404.10000", { userId: "2" });
    // the button answers exactly as the typed command does
    expect(viaButton.replies.map(toPlainText)).toEqual(typed.map(toPlainText));
    expect(viaButton.replies.length).toBeGreaterThan(0);
    expect((await s.bot.press(press("1", "v1:u:<b>:1", [], []))).toast).toBe("这个按钮已失效。");
    // a command button still runs the command
    const search = await s.bot.press(press("1", "/topics", [], []));
    expect(search.replies.map(toPlainText).join("")).toContain("可订阅的主题");
  });

  it("深读 without a deep command on the table shows the short card and says so", async () => {
    const s = setup();
    day(s, 1, "full");
    const handle = createPressHandler({
      deps: { cards: s.cards } as unknown as CommandDeps,
      runCommand: async () => [],
      hasCommand: () => false,
      throttle: new RelabelThrottle(0, () => {}),
    });
    const outcome = await handle(
      press("1", encodePress({ action: "deep", paperId: "2404.10000", number: 1 }), [], []),
    );
    const text = outcome.replies.map(toPlainText).join("");
    expect(text).toContain("深读尚未开放");
    expect(text).toContain("2404.10000");
  });
});

describe("the edit rate limit", () => {
  /** Manual timers: time moves only when the test says. */
  function manualTimers() {
    let now = 0;
    const due: { at: number; run: () => void }[] = [];
    const timers: TimerLike = {
      now: () => now,
      setTimeout: (run, ms) => due.push({ at: now + ms, run }),
    };
    return {
      timers,
      advance(ms: number) {
        now += ms;
        const ready = due.filter((x) => x.at <= now);
        const later = due.filter((x) => x.at > now);
        due.length = 0;
        due.push(...later);
        for (const t of ready) t.run();
      },
    };
  }

  it("edits a busy chat at most once per interval, and the last state wins", async () => {
    const clock = manualTimers();
    const throttle = new RelabelThrottle(3000, () => {}, clock.timers);
    const edits: string[] = [];
    // 20 presses on one message within a second, then presses on a second message
    for (let i = 1; i <= 20; i++) {
      throttle.schedule("chat", "m1", async () => {
        edits.push(`m1:${i}`);
      });
    }
    throttle.schedule("chat", "m2", async () => {
      edits.push("m2");
    });
    expect(edits).toEqual(["m1:1"]);
    clock.advance(1000);
    expect(edits).toEqual(["m1:1"]);
    clock.advance(2000);
    expect(edits).toEqual(["m1:1", "m1:20"]); // coalesced: only the latest state is sent
    clock.advance(3000);
    expect(edits).toEqual(["m1:1", "m1:20", "m2"]);
    clock.advance(30_000);
    expect(edits).toHaveLength(3);
    // another chat is not held up by this one
    throttle.schedule("other", "m9", async () => {
      edits.push("m9");
    });
    expect(edits.at(-1)).toBe("m9");
  });
});
