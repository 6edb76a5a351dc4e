import { describe, expect, it } from "vitest";
import {
  escapeTelegramHtml,
  splitTelegram,
  TELEGRAM_TEXT_LIMIT,
  telegramLength,
  toTelegramHtml,
  toTelegramKeyboard,
  toTelegramPlainText,
} from "../bots/telegram/render.ts";
import {
  type Block,
  bold,
  code,
  italic,
  link,
  type RichMessage,
  span,
  textMessage,
} from "../src/core/message.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { parseTelegramHtml } from "./fakes/telegram.ts";

const HOSTILE = `<script>alert("x")</script> &amp; </b> a<b & c>d "q" 'a'`;

function card(paperId: string, title: string, body: string): RichMessage["blocks"][number] {
  return {
    kind: "card",
    paperId,
    title: [bold(title)],
    lines: [
      [italic(`English title of ${paperId}`)],
      [span(body)],
      [link("arXiv", `https://arxiv.org/abs/${paperId}`)],
    ],
  };
}

describe("toTelegramHtml", () => {
  it("shows a hostile title literally: Telegram's parser accepts it and displays the raw text", () => {
    const message: RichMessage = {
      blocks: [{ kind: "card", title: [bold(HOSTILE)], lines: [[italic(HOSTILE), code(HOSTILE)]] }],
    };
    const html = toTelegramHtml(message);
    expect(html).not.toContain("<script>");
    const parsed = parseTelegramHtml(html);
    expect(parsed.text).toBe(`${HOSTILE}\n${HOSTILE}${HOSTILE}`);
    expect(parsed.entities.map((e) => e.type)).toEqual(["bold", "italic", "code"]);
  });

  it("uses only b, i, code and a href, and keeps quotes out of the href (percent-encoded)", () => {
    const message: RichMessage = {
      blocks: [
        {
          kind: "text",
          lines: [
            [bold("粗"), italic("斜"), code("x<y"), link("链接", 'https://example.org/?a=1&b="2"')],
            [{ text: "both", bold: true, italic: true }],
          ],
        },
      ],
    };
    const html = toTelegramHtml(message);
    const tags = [...html.matchAll(/<\/?([a-z-]+)/g)].map((m) => m[1]);
    expect(new Set(tags)).toEqual(new Set(["b", "i", "code", "a"]));
    expect(html).toContain('<a href="https://example.org/?a=1&amp;b=%222%22">链接</a>');
    const parsed = parseTelegramHtml(html);
    expect(parsed.entities.find((e) => e.type === "text_link")?.url).toBe(
      "https://example.org/?a=1&b=%222%22",
    );
    expect(parsed.text).toBe("粗斜x<y链接\nboth");
  });

  it("drops links that are not http(s) and renders their text only", () => {
    const html = toTelegramHtml(
      textMessage([link("click", "javascript:alert(1)"), link("x", "tg://resolve")]),
    );
    expect(html).toBe("clickx");
  });

  it("replaces lone surrogates, which Telegram would refuse as invalid UTF-8", () => {
    const html = toTelegramHtml(textMessage(`bad \uD800 surrogate 😀`));
    expect(html).toBe("bad \uFFFD surrogate 😀");
  });

  it("separates lines with a newline and blocks with a blank line", () => {
    const message: RichMessage = {
      blocks: [
        { kind: "heading", lines: [[bold("标题")]] },
        { kind: "text", title: [span("a")], lines: [[span("b")]] },
      ],
    };
    expect(toTelegramHtml(message)).toBe("<b>标题</b>\n\na\nb");
  });
});

describe("telegramLength", () => {
  it("counts the text after entity parsing, in UTF-16 code units", () => {
    expect(telegramLength("<b>a&amp;b</b>")).toBe(3);
    expect(telegramLength("&lt;&gt;&quot;&#39;&#x41;")).toBe(5);
    expect(telegramLength("😀")).toBe(2);
    expect(telegramLength('<a href="https://x.org/&quot;">链接</a>')).toBe(2);
    // An unknown entity stays as typed, as Telegram keeps it.
    expect(telegramLength("&nbsp;")).toBe(6);
  });

  it("agrees with Telegram's parser on rendered messages", () => {
    const message: RichMessage = {
      blocks: [card("2404.14469", HOSTILE, "💡 一句话：KV cache 压缩 3.6× & 8.2×")],
    };
    const html = toTelegramHtml(message);
    expect(telegramLength(html)).toBe(parseTelegramHtml(html).text.length);
  });
});

describe("splitTelegram", () => {
  it("keeps every part within 4096 after parsing, never cuts a card, and loses nothing", () => {
    const blocks = Array.from({ length: 40 }, (_, i) =>
      card(`2404.${String(10000 + i)}`, `论文 ${i} <b>&amp;`, "😀".repeat(120) + "中文".repeat(60)),
    );
    const message: RichMessage = {
      blocks,
      buttons: [{ label: "PDF", url: "https://arxiv.org/pdf/2404.10000" }],
    };
    const parts = splitTelegram(message);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      const parsed = parseTelegramHtml(toTelegramHtml(part));
      expect(parsed.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    }
    expect(parts.flatMap((p) => p.blocks)).toEqual(blocks);
    expect(parts.at(-1)?.buttons).toEqual(message.buttons);
    expect(parts.slice(0, -1).every((p) => p.buttons === undefined)).toBe(true);
  });

  it("cuts a single block longer than the limit between lines, each piece still valid HTML", () => {
    const lines = Array.from({ length: 300 }, (_, i) => [
      bold(`第 ${i} 行 <&> `),
      span("x".repeat(30)),
    ]);
    const parts = splitTelegram({ blocks: [{ kind: "text", lines }] });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(parseTelegramHtml(toTelegramHtml(part)).text.length).toBeLessThanOrEqual(
        TELEGRAM_TEXT_LIMIT,
      );
    }
  });

  it("measures emoji as two units, so a message of 4096 characters but more units is split", () => {
    const parts = splitTelegram(textMessage("😀".repeat(2100)));
    expect(parts.length).toBe(2);
  });
});

describe("toTelegramPlainText", () => {
  it("is the visible text with link URLs, for resending without parse_mode", () => {
    const text = toTelegramPlainText(
      textMessage([span("见 "), link("arXiv", "https://arxiv.org/abs/1")]),
    );
    expect(text).toBe("见 arXiv https://arxiv.org/abs/1");
  });

  it("keeps every card's arXiv link when a full part has no room for all URLs", () => {
    // Ten full cards filling a part: long summary lines and arXiv · PDF links each.
    const ids = Array.from({ length: 10 }, (_, i) => `2404.1${String(i).padStart(4, "0")}`);
    const blocks: Block[] = ids.map((id) => ({
      kind: "card",
      paperId: id,
      title: [bold("一个足够长的中文标题，用来把这一部分塞满到接近上限")],
      lines: [
        [span(`💡 一句话：${"把长序列推理加速两倍，几乎不掉精度。".repeat(4)}`)],
        [span(`🛠 方法：${"分层投机解码，先用小模型起草再用大模型验证。".repeat(5)}`)],
        [span(`📈 效果：${"在 LongBench 上提速 2.3 倍，准确率持平。".repeat(9)}`)],
        [
          span("🔗 "),
          link("arXiv", `https://arxiv.org/abs/${id}`),
          span(" · "),
          link("PDF", `https://arxiv.org/pdf/${id}`),
        ],
      ],
    }));
    const message = { blocks };
    expect(toPlainText(message).length).toBeGreaterThan(TELEGRAM_TEXT_LIMIT);
    const text = toTelegramPlainText(message);
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    for (const id of ids) expect(text).toContain(`arxiv.org/abs/${id}`);
    expect(text).toContain("🔗 arxiv.org/abs/2404.10000 · PDF");
    // what gave way is summary text, marked as shortened
    expect(text).toContain("📈 效果：在 LongBench 上提速 2…");
  });

  it("puts a bare URL in place of a link's text when text and URL do not both fit", () => {
    const long = textMessage(
      ...Array.from({ length: 100 }, () => [
        link("x".repeat(30), `https://arxiv.org/abs/${"9".repeat(20)}`),
      ]),
    );
    const text = toTelegramPlainText(long);
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(text.split(`arxiv.org/abs/${"9".repeat(20)}`)).toHaveLength(101);
    expect(text).not.toContain("x".repeat(30));
  });
});

describe("toTelegramKeyboard", () => {
  it("turns URL buttons into links and command buttons into callback data, three to a row", () => {
    const keyboard = toTelegramKeyboard([
      { label: "详细", command: "/paper 2404.14469" },
      { label: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
      { label: "arXiv", url: "https://arxiv.org/abs/2404.14469" },
      { label: "代码", url: "https://github.com/FasterDecoding/SnapKV" },
    ]);
    expect(keyboard).toEqual({
      inline_keyboard: [
        [
          { text: "详细", callback_data: "/paper 2404.14469" },
          { text: "PDF", url: "https://arxiv.org/pdf/2404.14469" },
          { text: "arXiv", url: "https://arxiv.org/abs/2404.14469" },
        ],
        [{ text: "代码", url: "https://github.com/FasterDecoding/SnapKV" }],
      ],
    });
  });

  it("leaves out buttons Telegram would refuse: bad URLs, commands over 64 bytes, empty labels", () => {
    expect(
      toTelegramKeyboard([
        { label: "x", url: "javascript:alert(1)" },
        { label: "y", command: `/search ${"文".repeat(30)}` },
        { label: " ", command: "/list" },
      ]),
    ).toBeUndefined();
  });

  it("escapes nothing in labels: Telegram shows button text as plain text", () => {
    expect(escapeTelegramHtml("<&>")).toBe("&lt;&amp;&gt;");
    expect(
      toTelegramKeyboard([{ label: "<b>", command: "/list" }])?.inline_keyboard[0]?.[0],
    ).toEqual({
      text: "<b>",
      callback_data: "/list",
    });
  });
});
