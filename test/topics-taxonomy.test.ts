import { describe, expect, it } from "vitest";
import { canonicalCategory } from "../src/core/categories.ts";
import { nameKey, traditionalPairs } from "../src/topics/normalise.ts";
import { phraseKey } from "../src/topics/phrase.ts";
import { resolveTopic } from "../src/topics/resolve.ts";
import { CHAPTERS, loadTaxonomy, OTHER_TOPIC_ID, topicsByChapter } from "../src/topics/taxonomy.ts";

const taxonomy = loadTaxonomy();
const CJK = /[\u3400-\u9fff]/u;
const LATIN = /[A-Za-z]/;

describe("data/topics.json", () => {
  it("has at least 21 topics with unique lower-case ascii ids", () => {
    expect(taxonomy.topics.length).toBeGreaterThanOrEqual(21);
    const ids = taxonomy.topics.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("puts topics under every one of the ten chapters", () => {
    expect(topicsByChapter(taxonomy).map((g) => g.chapter)).toEqual([...CHAPTERS]);
  });

  it("gives every topic a Chinese name, Chinese and English aliases and a description", () => {
    for (const topic of taxonomy.topics) {
      expect(topic.name, topic.id).toMatch(CJK);
      expect(
        topic.aliases.some((a) => CJK.test(a)),
        `${topic.id} Chinese alias`,
      ).toBe(true);
      expect(
        topic.aliases.some((a) => LATIN.test(a)),
        `${topic.id} English alias`,
      ).toBe(true);
      expect(topic.description, topic.id).toMatch(CJK);
    }
  });

  it("has the catch-all topic 其他, which no rule matches", () => {
    const other = taxonomy.topics.find((t) => t.id === OTHER_TOPIC_ID);
    expect(other?.chapter).toBe("其他");
    expect(other?.keywords).toEqual([]);
    expect(other?.categories).toEqual([]);
    const withoutRules = taxonomy.topics.filter((t) => t.keywords.length === 0);
    expect(withoutRules.map((t) => t.id)).toEqual([OTHER_TOPIC_ID]);
  });

  it("resolves every id, name and alias to its own topic", () => {
    for (const topic of taxonomy.topics) {
      for (const name of [topic.id, topic.name, ...topic.aliases]) {
        const r = resolveTopic(name, taxonomy);
        expect(r.kind === "topic" ? r.topic.id : r, `${name}`).toBe(topic.id);
      }
    }
  });

  it("never gives two topics the same name or alias, in any spelling", () => {
    const owner = new Map<string, string>();
    for (const topic of taxonomy.topics) {
      for (const name of new Set([topic.id, topic.name, ...topic.aliases].map(nameKey))) {
        const other = owner.get(name);
        expect(
          other === undefined || other === topic.id,
          `"${name}": ${other} and ${topic.id}`,
        ).toBe(true);
        owner.set(name, topic.id);
      }
    }
  });

  it("never gives two topics the same keyword phrase, so a hit counts for one topic", () => {
    const owner = new Map<string, string>();
    for (const topic of taxonomy.topics) {
      for (const keyword of topic.keywords) {
        const key = phraseKey(keyword);
        const other = owner.get(key);
        expect(
          other === undefined || other === topic.id,
          `"${keyword}": ${other}, ${topic.id}`,
        ).toBe(true);
        owner.set(key, topic.id);
        expect(keyword, "keywords are written lower-case").toBe(keyword.toLowerCase());
      }
    }
  });

  it("lists only real arXiv categories, in their canonical spelling", () => {
    for (const topic of taxonomy.topics) {
      for (const category of topic.categories) expect(canonicalCategory(category)).toBe(category);
    }
  });

  it("resolves every name and alias written in traditional characters", () => {
    const toTraditional = new Map<string, string>();
    for (const [traditional, simplified] of traditionalPairs()) {
      if (!toTraditional.has(simplified)) toTraditional.set(simplified, traditional);
    }
    const spellTraditional = (s: string) =>
      [...s].map((ch) => toTraditional.get(ch) ?? ch).join("");
    for (const topic of taxonomy.topics) {
      for (const name of [topic.name, ...topic.aliases]) {
        const r = resolveTopic(spellTraditional(name), taxonomy);
        expect(r.kind === "topic" ? r.topic.id : r, spellTraditional(name)).toBe(topic.id);
      }
    }
  });

  it("knows the traditional spelling of the topic names people actually type", () => {
    const written: Record<string, string> = {
      文生圖: "text-to-image",
      文生視頻: "text-to-video",
      圖生視頻: "text-to-video",
      語音合成: "text-to-audio",
      聲音克隆: "text-to-audio",
      智能體: "agent",
      對齊: "alignment",
      隱私保護: "safety",
      評測: "evaluation",
      多模態大模型: "multimodal-llm",
      代碼大模型: "code-llm",
      推理加速與壓縮: "efficiency",
      長上下文: "long-context",
      檢索增強: "rag",
      數學與推理: "math-reasoning",
      機器人: "embodied",
      模型編輯: "interpretability",
      可解釋性: "interpretability",
      醫療: "medical",
      多語言: "multilingual",
      強化學習: "reinforcement-learning",
      自動駕駛: "autonomous-driving",
    };
    for (const [text, id] of Object.entries(written)) {
      const r = resolveTopic(text, taxonomy);
      expect(r.kind === "topic" ? r.topic.id : r, text).toBe(id);
    }
  });

  it("maps each traditional character to a different, simplified one", () => {
    for (const [traditional, simplified] of traditionalPairs()) {
      expect(traditional).not.toBe(simplified);
      expect([...traditional]).toHaveLength(1);
      expect([...simplified]).toHaveLength(1);
    }
  });
});
