import { describe, expect, it } from "vitest";
import { autocompleteTopics } from "../src/topics/autocomplete.ts";
import { loadTaxonomy, type Taxonomy, TaxonomySchema } from "../src/topics/taxonomy.ts";

const topic = (id: string, name: string, aliases: string[], chapter: string) => ({
  id,
  name,
  aliases,
  categories: [],
  keywords: [id.replace(/-/g, " ")],
  description: "",
  chapter,
});

/** A taxonomy shaped like data/topics.json, with more topics than Discord shows at once. */
const taxonomy: Taxonomy = TaxonomySchema.parse({
  version: 1,
  topics: [
    topic("text-to-image", "文生图", ["text-to-image", "T2I", "图像生成"], "文生图"),
    topic("image-editing", "图像编辑", ["image editing"], "文生图"),
    topic("text-to-video", "文生视频", ["text-to-video", "T2V", "视频生成"], "文/图生视频"),
    topic("image-to-video", "图生视频", ["image-to-video", "I2V"], "文/图生视频"),
    topic("video-editing", "视频编辑", ["video editing"], "文/图生视频"),
    topic("text-to-audio", "文生音频", ["text-to-audio", "TTS", "语音合成"], "文生音频"),
    topic("text-to-3d", "文生3D", ["text-to-3D", "3D generation"], "文/图生3D"),
    topic("llm-agent", "智能体", ["agent", "LLM agent", "Agent"], "智能体(Agent)"),
    topic(
      "rlhf",
      "RLHF",
      ["reinforcement learning from human feedback", "人类反馈强化学习"],
      "对齐(Alignment)",
    ),
    ...Array.from({ length: 30 }, (_, i) =>
      topic(`misc-${i}`, `其他主题${i}`, [`misc topic ${i}`], "其他"),
    ),
  ],
});

describe("topic autocomplete", () => {
  it("matches Chinese names by prefix and substring, best first", () => {
    const values = autocompleteTopics("视频", taxonomy).map((c) => c.value);
    expect(values[0]).toBe("视频编辑");
    expect(values).toEqual(expect.arrayContaining(["文生视频", "图生视频", "视频编辑"]));
    expect(values).not.toContain("文生图");
  });

  it("matches English aliases and ids ignoring case, spaces and hyphens", () => {
    expect(autocompleteTopics("t2v", taxonomy)[0]?.value).toBe("文生视频");
    expect(autocompleteTopics("Text to Video", taxonomy)[0]?.value).toBe("文生视频");
    expect(autocompleteTopics("ｒｌｈｆ", taxonomy)[0]?.value).toBe("RLHF");
    expect(autocompleteTopics("human feedback", taxonomy)[0]?.value).toBe("RLHF");
    expect(autocompleteTopics("agent", taxonomy)[0]?.value).toBe("智能体");
  });

  it("shows the Chinese name with an English alias, and sends the Chinese name", () => {
    expect(autocompleteTopics("文生视频", taxonomy)[0]).toEqual({
      name: "文生视频（text-to-video）",
      value: "文生视频",
    });
  });

  it("finds the bundled taxonomy's topics by Chinese, English, abbreviation and traditional spelling", () => {
    const bundled = loadTaxonomy();
    const first = (q: string) => autocompleteTopics(q, bundled)[0];
    expect(first("文生视频")).toEqual({ name: "文生视频（text-to-video）", value: "文生视频" });
    expect(first("文生視頻")?.value).toBe("文生视频");
    expect(first("T2V")?.value).toBe("文生视频");
    expect(first("video generation")?.value).toBe("文生视频");
    expect(first("RLHF")?.value).toBe("对齐");
    expect(first("智能")?.value).toBe("智能体");
    expect(first("Gaussian")?.value).toBe("文生3D");
    const choices = autocompleteTopics("", bundled);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices.map((c) => c.value)).toEqual(bundled.topics.slice(0, 25).map((t) => t.name));
  });

  it("never offers more than 25 choices, and lists topics in taxonomy order when empty", () => {
    const all = autocompleteTopics("", taxonomy);
    expect(all).toHaveLength(25);
    expect(all[0]?.value).toBe("文生图");
    expect(autocompleteTopics("其他", taxonomy)).toHaveLength(25);
    for (const c of autocompleteTopics("", taxonomy)) {
      expect(c.name.length).toBeLessThanOrEqual(100);
      expect(c.value.length).toBeLessThanOrEqual(100);
    }
  });

  it("offers nothing for text that matches no topic", () => {
    expect(autocompleteTopics("量子色动力学", taxonomy)).toEqual([]);
    expect(autocompleteTopics("<script>", taxonomy)).toEqual([]);
  });
});
