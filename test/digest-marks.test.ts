import { describe, expect, it } from "vitest";
import { toTelegramKeyboard } from "../bots/telegram/render.ts";
import { allButtons, markCards, RichMessageSchema } from "../src/core/message.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { splitMessage } from "../src/digest/split.ts";
import { richMessageHtml } from "../src/web/html.ts";
import { GROUP, PRIVATE, paper, realCard, setup } from "./commands-setup.ts";

const DATE = "2024-04-24";

/**
 * Two chats over one day: the group follows 文生视频 and cs.CV, the private chat cs.CV only.
 * A is both (video, cs.CV), B video only, C cs.CV only.
 */
function twoChats() {
  const s = setup();
  const a = paper("2404.00101", { title: "Video generation A", categories: ["cs.CV"] });
  const b = paper("2404.00102", { title: "Video generation B" });
  const c = paper("2404.00103", { title: "Image parsing C", categories: ["cs.CV"] });
  for (const p of [a, b, c]) s.papers.upsert(p, { date: DATE, type: "new" });
  s.cards.put(realCard(a, { score: 5 }));
  s.cards.put(realCard(b, { score: 4 }));
  s.cards.put(realCard(c, { score: 3, topics: [] }));
  const group = s.chats.ensure(GROUP);
  s.subscriptions.add(group.id, "topic", "text-to-video", null);
  s.subscriptions.add(group.id, "category", "cs.CV", null);
  const mine = s.chats.ensure(PRIVATE);
  s.subscriptions.add(mine.id, "category", "cs.CV", null);
  const [g, p] = s.digests.forChats([group, mine], DATE);
  if (!g || !p) throw new Error("both chats should get a digest");
  return { g, p };
}

const cardOf = (message: { blocks: { paperId?: string }[] }, id: string) =>
  message.blocks.find((b) => b.paperId === id);

describe("card marks beside shared card blocks", () => {
  it("two chats share each paper's block and still read their own numbers and why-lines", () => {
    const { g, p } = twoChats();
    expect(g.items.map((i) => i.paper.id)).toEqual(["2404.00101", "2404.00102", "2404.00103"]);
    expect(p.items.map((i) => i.paper.id)).toEqual(["2404.00101", "2404.00103"]);
    // one block object per paper, in both messages, with no number or buttons of its own
    const shared = cardOf(g.message, "2404.00103");
    expect(shared?.paperId).toBe("2404.00103");
    expect(cardOf(p.message, "2404.00103")).toBe(shared);
    expect(cardOf(p.message, "2404.00101")).toBe(cardOf(g.message, "2404.00101"));
    expect(shared).not.toHaveProperty("buttons");
    expect(g.message.marks?.papers).toEqual(["2404.00101", "2404.00102", "2404.00103"]);
    expect(p.message.marks?.papers).toEqual(["2404.00101", "2404.00103"]);

    const group = toPlainText(g.message);
    const mine = toPlainText(p.message);
    expect(group).toContain("③ 中文标题 2404.00103");
    expect(mine).toContain("② 中文标题 2404.00103");
    expect(mine).not.toContain("③");
    // each chat's why-line names its own matched subscriptions
    expect(group).toMatch(/① 中文标题 2404\.00101[\s\S]*📌 命中：文生视频、[^\n]*cs\.CV/u);
    expect(mine).toMatch(/② 中文标题 2404\.00103[\s\S]*📌 命中：[^\n]*cs\.CV/u);
    expect(mine).not.toContain("文生视频、");
    // the buttons are numbered like the cards, per chat
    const press = (m: typeof g.message) =>
      allButtons(m).flatMap((b) => (b.press?.startsWith("v1:u:") ? [b.press] : []));
    expect(press(g.message)).toEqual([
      "v1:u:2404.00101:1",
      "v1:u:2404.00102:2",
      "v1:u:2404.00103:3",
    ]);
    expect(press(p.message)).toEqual(["v1:u:2404.00101:1", "v1:u:2404.00103:2"]);
    const rows = toTelegramKeyboard(p.message)?.inline_keyboard ?? [];
    expect(rows.map((r) => r[0]?.text)).toEqual(["①👍", "②👍"]);
  });

  it("marks are laid in once by the splitter; a dropped card keeps the others' numbers", () => {
    const { g } = twoChats();
    const whole = toPlainText(g.message);
    const parts = splitMessage(g.message, (m) => toPlainText(m).length, 10_000);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.marks).toBeUndefined();
    expect(cardOf(parts[0] ?? { blocks: [] }, "2404.00101")).not.toBe(
      cardOf(g.message, "2404.00101"),
    );
    expect(parts.map(toPlainText).join("")).toBe(whole);
    // laying in twice changes nothing
    expect(toPlainText(markCards(markCards(g.message)))).toBe(whole);
    // a marked copy is made once and kept beside the shared block: a fan-out reuses it
    expect(cardOf(markCards(g.message), "2404.00101")).toBe(
      cardOf(parts[0] ?? { blocks: [] }, "2404.00101"),
    );

    // the delivery engine drops a paper reserved by another digest: ② stays missing
    const kept = {
      ...g.message,
      blocks: g.message.blocks.filter((b) => b.paperId !== "2404.00102"),
    };
    const text = toPlainText(kept);
    expect(text).toContain("① 中文标题 2404.00101");
    expect(text).toContain("③ 中文标题 2404.00103");
    expect(text).not.toContain("中文标题 2404.00102");
  });

  it("a message stored unsplit (email, console) keeps its marks through the stored schema", () => {
    const { g } = twoChats();
    const stored = RichMessageSchema.parse(JSON.parse(JSON.stringify(g.message)));
    expect(stored.marks).toEqual(g.message.marks);
    expect(toPlainText(stored)).toBe(toPlainText(g.message));
  });

  it("the web's HTML of a digest lays in each chat's numbers as the chat renderers do", () => {
    const { g, p } = twoChats();
    expect(richMessageHtml(p.message)).toContain("<h3>② <b>中文标题 2404.00103</b></h3>");
    expect(richMessageHtml(g.message)).toContain("<h3>③ <b>中文标题 2404.00103</b></h3>");
    expect(richMessageHtml(g.message)).toContain("📌 命中：文生视频、");
  });
});
