import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type SectionTable,
  SHORT_CARD,
  searchTextOf,
  storedShape,
} from "../src/core/card-sections.ts";
import { sectionLines } from "../src/digest/card-message.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { responseSchemaOf } from "../src/summarise/card.ts";
import { fallbackFields } from "../src/summarise/fallback.ts";
import { fieldList } from "../src/summarise/prompt.ts";
import { parseAnswer } from "../src/summarise/validate.ts";
import { fixturePapers } from "./summarise-fixtures.ts";

const paper = fixturePapers()[0];
if (!paper) throw new Error("fixtures missing");

/** The short card plus one new section: all a contributor writes to add a field. */
const WITH_LIMITATIONS = {
  ...SHORT_CARD,
  limitations: {
    kind: "text",
    text: { label: "局限", emoji: "⚠️", ask: "主要局限，40 字内" },
    max: 60,
    chinese: true,
    need: "optional",
    shows: ["full", "paper", "search"],
    fallback: "none",
  },
} as const satisfies SectionTable;

const answer = {
  title_zh: "DiffFit：只调偏置和缩放因子",
  tldr: "只微调偏置项和缩放因子，就能快速迁移扩散模型。",
  method: "仅训练 bias 和新加入的 scaling factor。",
  topics: ["text-to-image"],
  limitations: "只在图像生成上验证过。",
};
const context = { topicIds: new Set(["text-to-image"]), ruleTopics: () => [], source: "" };

describe("a card section added to the table", () => {
  it("is asked for in the prompt's field list", () => {
    expect(fieldList(WITH_LIMITATIONS)).toContain("limitations：主要局限，40 字内");
    expect(fieldList(WITH_LIMITATIONS)).toBe(
      `${fieldList(SHORT_CARD)}\nlimitations：主要局限，40 字内`,
    );
  });

  it("is in the JSON schema sent to the model", () => {
    const schema = responseSchemaOf(WITH_LIMITATIONS, ["text-to-image"]) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.properties.limitations).toEqual({ type: "string" });
    expect(schema.required).toContain("limitations");
  });

  it("is read from an answer, and defaults when the model leaves it out", () => {
    const read = parseAnswer(WITH_LIMITATIONS, JSON.stringify(answer), context);
    expect(read.fields.limitations).toBe("只在图像生成上验证过。");
    const { limitations: _, ...without } = answer;
    const partial = parseAnswer(WITH_LIMITATIONS, JSON.stringify(without), context);
    expect(partial.fields.limitations).toBe("");
    expect(partial.repairs).toContain("limitations: default");
  });

  it("is empty on a fallback card, and a card stored before it still parses", () => {
    expect(fallbackFields(WITH_LIMITATIONS, paper, ["other"]).limitations).toBe("");
    const stored = z.object(storedShape(WITH_LIMITATIONS));
    const old = z.object(storedShape(SHORT_CARD)).parse(answer);
    expect(stored.parse(old).limitations).toBe("");
  });

  it("is rendered with its label and emoji, and indexed for search", () => {
    const fields = parseAnswer(WITH_LIMITATIONS, JSON.stringify(answer), context).fields;
    const lines = sectionLines(WITH_LIMITATIONS, fields, "paper");
    const text = toPlainText({ blocks: [{ kind: "card", lines }] });
    expect(text).toContain("⚠️ 局限：只在图像生成上验证过。");
    expect(text.indexOf("🛠 方法")).toBeLessThan(text.indexOf("⚠️ 局限"));
    expect(searchTextOf(WITH_LIMITATIONS, fields)).toContain("只在图像生成上验证过。");
    const brief = sectionLines(WITH_LIMITATIONS, fields, "brief");
    expect(JSON.stringify(brief)).not.toContain("局限");
  });
});

describe("the short card's table", () => {
  it("shows the sections readers know, in their order, on /paper", () => {
    const fields = parseAnswer(
      SHORT_CARD,
      JSON.stringify({ ...answer, motivation: "迁移难。", results: "快 2 倍。" }),
      context,
    ).fields;
    const text = toPlainText({
      blocks: [{ kind: "card", lines: sectionLines(SHORT_CARD, fields, "paper") }],
    });
    expect(text.split("\n")).toEqual([
      "💡 一句话：只微调偏置项和缩放因子，就能快速迁移扩散模型。",
      "🎯 动机：迁移难。",
      "🛠 方法：仅训练 bias 和新加入的 scaling factor。",
      "📈 效果：快 2 倍。",
    ]);
  });
});

describe("a second card kind on the same machinery (a deep-read-shaped table)", () => {
  const prose = (label: string, emoji: string, max = 300) =>
    ({
      kind: "text",
      text: { label, emoji, ask: `${label}，${max} 字内` },
      max,
      chinese: true,
      need: "one-of",
      shows: ["paper", "search"],
      fallback: "none",
    }) as const;
  const DEEP = {
    summary: { ...prose("摘要", "📝"), need: "always", fallback: "lead" },
    background: prose("研究背景", "🌍"),
    challenges: prose("问题与挑战", "🧩"),
    solution: prose("如何解决", "🛠"),
    novelty: prose("创新点", "✨"),
    model: prose("算法模型", "🧠"),
    experiments: prose("实验效果", "📈", 500),
    reading_score: {
      kind: "score",
      text: { label: "推荐阅读指数", emoji: "⭐", ask: "整数 1 到 5" },
      need: "optional",
      shows: ["paper"],
    },
    affiliations: {
      kind: "list",
      text: { label: "单位", emoji: "🏛", ask: "作者单位数组" },
      max: 60,
      maxItems: 5,
      need: "optional",
      shows: ["paper"],
    },
  } as const satisfies SectionTable;

  const deepAnswer = {
    summary: "只微调偏置项和缩放因子，就能快速迁移扩散模型。",
    background: "大扩散模型迁移到新领域很难。",
    solution: "只训练 bias 和 scaling factor。",
    experiments: "快 2 倍，FID 3.02。",
    reading_score: "4分",
    affiliations: ["华为诺亚方舟实验室", "香港大学"],
  };

  it("asks for its own fields and reads a partial answer", () => {
    expect(fieldList(DEEP).split("\n")).toHaveLength(9);
    expect(fieldList(DEEP)).toContain("challenges：问题与挑战，300 字内");
    const read = parseAnswer(DEEP, JSON.stringify(deepAnswer), context);
    expect(read.fields).toMatchObject({ challenges: "", novelty: "", reading_score: 4 });
    const schema = responseSchemaOf(DEEP, []) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(Object.keys(DEEP));
  });

  it("renders every section on its own line, in table order, with stars and 单位", () => {
    const fields = parseAnswer(DEEP, JSON.stringify(deepAnswer), context).fields;
    const text = toPlainText({
      blocks: [{ kind: "card", lines: sectionLines(DEEP, fields, "paper") }],
    });
    expect(text.split("\n")).toEqual([
      "📝 摘要：只微调偏置项和缩放因子，就能快速迁移扩散模型。",
      "🌍 研究背景：大扩散模型迁移到新领域很难。",
      "🛠 如何解决：只训练 bias 和 scaling factor。",
      "📈 实验效果：快 2 倍，FID 3.02。",
      "⭐ 推荐阅读指数：★★★★☆",
      "🏛 单位：华为诺亚方舟实验室、香港大学",
    ]);
    expect(fallbackFields(DEEP, paper, []).summary.length).toBeGreaterThan(20);
  });
});
