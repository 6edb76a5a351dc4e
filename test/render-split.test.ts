import { describe, expect, it } from "vitest";
import type { Block, RichMessage } from "../src/core/message.ts";
import { span } from "../src/core/message.ts";
import { cardBlock } from "../src/digest/card-message.ts";
import { toMarkdown } from "../src/digest/render/markdown.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { paperIdsOf, splitMessage } from "../src/digest/split.ts";
import { paper, realCard } from "./commands-setup.ts";

const TELEGRAM_LIMIT = 4096;
const plainLength = (m: RichMessage) => toPlainText(m).length;
const markdownLength = (m: RichMessage) => toMarkdown(m).length;

function digestOf(n: number): RichMessage {
  const blocks: Block[] = [
    { kind: "heading", title: [span("📰 论文速递 · 2024-04-24")], lines: [] },
  ];
  for (let i = 0; i < n; i++) {
    const p = paper(`2404.${String(20000 + i)}`, { title: `A <long> & winding title number ${i}` });
    blocks.push(
      cardBlock(
        realCard(p, {
          title_zh: `第 ${i} 篇：${"很长的中文标题".repeat(3)}`,
          tldr: "一句话总结 ".repeat(10),
          method: "方法 *强调* [链接](x) ".repeat(8),
          keywords: ["KV cache", "RLHF"],
          score: (i % 5) + 1,
        }),
        "full",
      ),
    );
  }
  blocks.push({ kind: "footer", lines: [[span("调整订阅：/subscribe")]] });
  return { blocks, buttons: [{ label: "更多", command: "/digest" }] };
}

describe("splitting at platform limits", () => {
  it("keeps every part under the limit without cutting a card, in order, buttons last", () => {
    const message = digestOf(30);
    expect(plainLength(message)).toBeGreaterThan(TELEGRAM_LIMIT);
    const parts = splitMessage(message, plainLength, TELEGRAM_LIMIT);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(plainLength(part)).toBeLessThanOrEqual(TELEGRAM_LIMIT);
    expect(parts.flatMap((p) => p.blocks)).toEqual(message.blocks);
    const ids = parts.flatMap(paperIdsOf);
    expect(ids).toEqual(paperIdsOf(message));
    expect(new Set(ids).size).toBe(30);
    expect(parts.slice(0, -1).every((p) => !p.buttons)).toBe(true);
    expect(parts.at(-1)?.buttons).toEqual(message.buttons);
  });

  it("measured in rendered Markdown, no part ends inside an escape", () => {
    const parts = splitMessage(digestOf(20), markdownLength, 2000);
    for (const part of parts) {
      const md = toMarkdown(part);
      expect(md.length).toBeLessThanOrEqual(2000);
      expect(md).not.toMatch(/(^|[^\\])\\$/);
    }
  });

  it("fits exactly at the limit and splits one character above it", () => {
    const message = digestOf(3);
    const size = plainLength(message);
    expect(splitMessage(message, plainLength, size)).toHaveLength(1);
    expect(splitMessage(message, plainLength, size - 1).length).toBeGreaterThan(1);
  });

  it("cuts a block that alone is too long between lines, and a line between characters", () => {
    const line = "🚀中".repeat(300);
    const block: Block = { kind: "text", lines: [[span("first")], [span(line)], [span("last")]] };
    const parts = splitMessage({ blocks: [block] }, plainLength, 100);
    for (const part of parts) {
      const text = toPlainText(part);
      expect(text.length).toBeLessThanOrEqual(100);
      expect(text).not.toMatch(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
      );
    }
    const rejoined = parts
      .map((p) =>
        p.blocks.flatMap((b) => b.lines.map((l) => l.map((s) => s.text).join(""))).join(""),
      )
      .join("");
    expect(rejoined).toBe(`first${line}last`);
  });
});
