/**
 * The deep-read card on every platform: one Telegram message with the long sections in
 * expandable quotes, one Discord embed with fields, text, Markdown and HTML; a card at every
 * section's length limit still fits, and text from the model is escaped everywhere.
 */
import { describe, expect, it } from "vitest";
import { discordFullness, toDiscordPayloads } from "../bots/discord/render.ts";
import {
  splitTelegram,
  TELEGRAM_TEXT_LIMIT,
  telegramLength,
  toTelegramHtml,
} from "../bots/telegram/render.ts";
import { DEEP_CARD, sectionsOf } from "../src/core/card-sections.ts";
import { RichMessageSchema } from "../src/core/message.ts";
import { answerMessage, deepCardMessage } from "../src/digest/deep-message.ts";
import { toHtml } from "../src/digest/render/html.ts";
import { toMarkdown } from "../src/digest/render/markdown.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import type { DeepCard } from "../src/store/deep.ts";
import { parseTelegramHtml } from "./fakes/telegram.ts";

function card(overrides: Partial<DeepCard> = {}): DeepCard {
  return {
    summary: "只微调偏置项和缩放因子，就能快速迁移扩散模型。",
    background: "大扩散模型迁移到新领域很难。",
    challenges: "全量微调慢，存储开销大。",
    solution: "只训练 bias 和 scaling factor。",
    innovations: "参数高效；训练更快。",
    architecture: "在 DiT 的每个 block 加一个缩放因子。",
    experiments: "训练快 2 倍，FID 3.02。",
    key_results: ["只存 0.12% 的参数", "8 个下游数据集上持平或更好"],
    reading_score: 4,
    reading_reason: "简单有效，值得细读。",
    paper_id: "2304.06648",
    version: 1,
    title_en: "DiffFit: Unlocking Transferability of Large Diffusion Models",
    authors: "Enze Xie, Lewei Yao",
    affiliations: ["Huawei Noah's Ark Lab", "The University of Hong Kong"],
    source: "html",
    source_url: "https://arxiv.org/html/2304.06648v1",
    excerpt: { tokens: 3000, cut: [], omitted: ["References"] },
    numbers_removed: [],
    repairs: [],
    cleaned: false,
    prompt_version: "deep-v1+abc123",
    model: "gpt-4o-mini",
    ...overrides,
  };
}

/** Every section at its length limit, in Chinese (one UTF-16 unit, one token, a character). */
function longest(): DeepCard {
  const fill = (n: number) => `${"长".repeat(n - 1)}。`;
  const fields: Record<string, unknown> = {};
  for (const [name, s] of sectionsOf(DEEP_CARD)) {
    if (s.kind === "text") fields[name] = fill(s.max);
    if (s.kind === "list") fields[name] = Array.from({ length: s.maxItems }, () => fill(s.max));
  }
  return card({
    ...(fields as Partial<DeepCard>),
    title_en: "T".repeat(300),
    authors: "A".repeat(120),
    affiliations: Array.from({ length: 5 }, () => "U".repeat(80)),
    excerpt: { tokens: 12000, cut: ["Experiments"], omitted: ["Appendix"] },
    numbers_removed: ["97.3%"],
  });
}

describe("the deep-read card on Telegram", () => {
  it("is one message with its long sections in expandable quotes", () => {
    const html = toTelegramHtml(deepCardMessage(card()));
    expect(html).toContain("<b>📝 摘要</b>\n只微调偏置项");
    expect(html).toContain(
      "<b>🌍 研究背景</b>\n<blockquote expandable>大扩散模型迁移到新领域很难。</blockquote>",
    );
    expect(html).toContain("<blockquote expandable>• 只存 0.12% 的参数\n• 8 个下游数据集");
    expect(html).toContain("<b>⭐ 推荐阅读指数</b>\n★★★★☆ 简单有效");
    expect(html).toContain("🏛 单位：Huawei Noah's Ark Lab、The University of Hong Kong");
  });

  it("fits in one message with every section at its limit", () => {
    const message = deepCardMessage(longest());
    expect(telegramLength(toTelegramHtml(message))).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(splitTelegram(message)).toHaveLength(1);
  });

  it("is HTML Telegram parses, with expandable quotes as entities", () => {
    const html = toTelegramHtml(deepCardMessage(longest()));
    const parsed = parseTelegramHtml(html);
    expect(parsed.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    const folded = parsed.entities.filter((e) => e.type === "expandable_blockquote");
    expect(folded).toHaveLength(7); // every section but 摘要 and 推荐阅读指数
  });

  it("escapes markup the model wrote", () => {
    const html = toTelegramHtml(
      deepCardMessage(card({ background: "<b>粗体</b> & </blockquote>" })),
    );
    expect(html).toContain("&lt;b&gt;粗体&lt;/b&gt; &amp; &lt;/blockquote&gt;");
    expect(html.match(/<\/blockquote>/g)?.length).toBe(html.match(/<blockquote/g)?.length);
  });
});

describe("the deep-read card on Discord", () => {
  it("is one embed with a field per section", () => {
    const [payload, ...more] = toDiscordPayloads(deepCardMessage(card()));
    expect(more).toHaveLength(0);
    const embed = payload?.embeds?.[0];
    expect(embed?.title).toBe("📖 深读｜2304.06648");
    expect(embed?.url).toBe("https://arxiv.org/abs/2304.06648");
    expect(embed?.fields?.map((f) => f.name)).toEqual([
      "📝 摘要",
      "🌍 研究背景",
      "🧩 问题与挑战",
      "🛠 如何解决",
      "✨ 创新点",
      "🧠 算法模型",
      "📈 实验效果",
      "📊 重要数据与结论",
      "⭐ 推荐阅读指数",
    ]);
    expect(embed?.footer?.text).toContain("arXiv HTML 全文");
  });

  it("stays within every limit with every section at its limit", () => {
    const payloads = toDiscordPayloads(deepCardMessage(longest()));
    expect(payloads).toHaveLength(1);
    for (const p of payloads) expect(discordFullness(p)).toBeLessThanOrEqual(1);
  });
});

describe("the deep-read card as text, Markdown, HTML and stored", () => {
  it("renders in the console with each section under its name", () => {
    const text = toPlainText(deepCardMessage(card({ numbers_removed: ["97.3%"] })));
    expect(text).toContain("📝 摘要\n只微调偏置项");
    expect(text).toContain("📈 实验效果\n训练快 2 倍，FID 3.02。");
    expect(text).toContain("已删去 1 处原文中找不到的数字");
  });

  it("renders as Markdown quotes and HTML sections, escaped", () => {
    const hostile = card({ solution: "<script>x</script> **粗**" });
    const md = toMarkdown(deepCardMessage(hostile));
    expect(md).toContain("**🛠 如何解决**\n\n> ");
    expect(md).toContain("\\*\\*粗\\*\\*");
    const html = toHtml(deepCardMessage(hostile));
    expect(html).toContain("<h4>🛠 如何解决</h4>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script>");
  });

  it("keeps its fields through the stored message schema", () => {
    const message = deepCardMessage(card());
    expect(RichMessageSchema.parse(message)).toEqual(message);
  });
});

describe("an /ask answer", () => {
  it("shows the question, the answer and each quote under its section", () => {
    const text = toPlainText(
      answerMessage({
        paper_id: "2304.06648",
        version: 1,
        question: "训练哪些参数？",
        answered: true,
        answer: "只训练偏置项和缩放因子。",
        quotes: [{ section: "Method", text: "DiffFit trains only the bias terms." }],
        numbers_removed: [],
        prompt_version: "ask-v1",
        model: "m",
      }),
    );
    expect(text).toContain("问题：训练哪些参数？");
    expect(text).toContain("只训练偏置项和缩放因子。");
    expect(text).toContain("📌 依据「Method」：DiffFit trains only the bias terms.");
  });
});
