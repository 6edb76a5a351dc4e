import { describe, expect, it } from "vitest";
import { ARXIV_CATEGORIES, inCategory } from "../src/core/categories.ts";
import { TopicInputError } from "../src/topics/errors.ts";
import { topicProblemText } from "../src/topics/input.ts";
import { normalise } from "../src/topics/normalise.ts";
import { type Resolution, resolveTopic } from "../src/topics/resolve.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";

const taxonomy = loadTaxonomy();

function topicId(input: string): string {
  const r = resolveTopic(input, taxonomy);
  if (r.kind !== "topic") throw new Error(`${input} resolved to ${r.kind}`);
  return r.topic.id;
}

function refusal(input: string): TopicInputError {
  try {
    resolveTopic(input, taxonomy);
  } catch (error) {
    if (error instanceof TopicInputError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(input)} was accepted`);
}

const names = (topics: { name: string }[]) => topics.map((t) => t.name);

describe("resolveTopic: topics by name and alias", () => {
  it("finds a topic by its Chinese name, its id and its aliases", () => {
    expect(topicId("文生视频")).toBe("text-to-video");
    expect(topicId("text-to-video")).toBe("text-to-video");
    expect(topicId("图生视频")).toBe("text-to-video");
    expect(topicId("T2V")).toBe("text-to-video");
    expect(topicId("RLHF")).toBe("alignment");
    expect(topicId("MLLM")).toBe("multimodal-llm");
    expect(topicId("智能体(Agent)")).toBe("agent");
    expect(topicId("文/图生3D")).toBe("text-to-3d");
  });

  it("ignores case, full-width forms and whitespace", () => {
    expect(topicId("t2v")).toBe("text-to-video");
    expect(topicId("Text-To-Video")).toBe("text-to-video");
    expect(topicId("ＴＥＸＴ－ＴＯ－ＶＩＤＥＯ")).toBe("text-to-video");
    expect(topicId("ｒａｇ")).toBe("rag");
    expect(topicId("  text   to\tvideo ")).toBe("text-to-video");
    expect(topicId("文 生 视 频")).toBe("text-to-video");
    expect(topicId("智能体（Agent）")).toBe("agent");
    expect(topicId("\u3000文生图\u3000")).toBe("text-to-image");
  });

  it("accepts traditional characters", () => {
    expect(topicId("文生視頻")).toBe("text-to-video");
    expect(topicId("語音合成")).toBe("text-to-audio");
    expect(topicId("對齊")).toBe("alignment");
  });
});

describe("resolveTopic: arXiv categories", () => {
  it("accepts real categories in any case and returns arXiv's spelling", () => {
    const category = (input: string) => {
      const r: Resolution = resolveTopic(input, taxonomy);
      return r.kind === "category" ? r.category : r.kind;
    };
    expect(category("cs.CV")).toBe("cs.CV");
    expect(category("CS.cv")).toBe("cs.CV");
    expect(category("eess.as")).toBe("eess.AS");
    expect(category("stat.ML")).toBe("stat.ML");
    expect(category("hep-th")).toBe("hep-th");
    expect(category("math.OC")).toBe("math.OC");
    expect(category("cond-mat.mes-hall")).toBe("cond-mat.mes-hall");
    expect(category("ｃｓ．ＣＬ")).toBe("cs.CL");
  });

  it("refuses a category an archive does not have", () => {
    for (const input of ["cs.XY", "math.ZZ", "q-bio.foo"]) {
      const error = refusal(input);
      expect(error.reason).toBe("unknown");
      expect(error.message).toContain("arXiv");
    }
  });

  it("knows the categories the default configuration ingests", () => {
    for (const c of "cs.AI cs.CL cs.CV cs.LG cs.MM cs.SD eess.AS eess.IV cs.RO cs.CR cs.IR stat.ML".split(
      " ",
    )) {
      expect(ARXIV_CATEGORIES).toContain(c);
    }
  });

  it("lets an archive stand for all its categories", () => {
    expect(inCategory(["astro-ph.GA"], "astro-ph")).toBe(true);
    expect(inCategory(["cs.CV", "cs.LG"], "cs.lg")).toBe(true);
    expect(inCategory(["cs.CV"], "cs.CL")).toBe(false);
    expect(inCategory(["q-bio.BM"], "q-bio")).toBe(true);
    expect(inCategory(["quant-ph"], "q-bio")).toBe(false);
  });
});

describe("resolveTopic: keyword phrases", () => {
  it("takes English words as a lower-cased keyword phrase", () => {
    const r = resolveTopic("  Graph   Neural Networks ", taxonomy);
    expect(r).toEqual({ kind: "keyword", phrase: "graph neural networks", suggestions: [] });
    const cpp = resolveTopic("C++ code", taxonomy);
    expect(cpp.kind === "keyword" && cpp.phrase).toBe("c++ code");
    const version = resolveTopic("GPT-4.5", taxonomy);
    expect(version.kind === "keyword" && version.phrase).toBe("gpt-4.5");
  });

  it("offers close topics with a keyword phrase", () => {
    const r = resolveTopic("agents", taxonomy);
    expect(r.kind).toBe("keyword");
    expect(r.kind === "keyword" && names(r.suggestions)[0]).toBe("智能体");
    const video = resolveTopic("video", taxonomy);
    expect(video.kind === "keyword" && names(video.suggestions)).toContain("文生视频");
  });

  it("refuses one letter, symbols and digits alone", () => {
    for (const input of ["a", "!!!", "2404.14469", "diffusion!", "what's new"]) {
      expect(refusal(input).reason, input).toBe("unknown");
    }
  });
});

describe("resolveTopic: refusals", () => {
  it("refuses empty input", () => {
    for (const input of ["", "   ", "\t\n", "\u3000"]) expect(refusal(input).reason).toBe("empty");
  });

  it("answers with the same sentences as the chat commands' own checks", () => {
    expect(refusal("").message).toBe(topicProblemText("empty"));
    expect(refusal("文生\u200b视频").message).toBe(topicProblemText("invisible"));
    expect(refusal("x".repeat(65)).message).toBe(topicProblemText("too_long"));
  });

  it("accepts 64 characters and refuses 65", () => {
    const sixtyFour = `a${" b".repeat(31)}c`;
    expect([...sixtyFour]).toHaveLength(64);
    expect(resolveTopic(sixtyFour, taxonomy).kind).toBe("keyword");
    const error = refusal(`${sixtyFour}d`);
    expect(error.reason).toBe("too_long");
    expect(error.message).toContain("64");
    expect(refusal("视".repeat(65)).reason).toBe("too_long");
  });

  it("refuses control, zero-width and bidirectional characters", () => {
    for (const input of [
      "文生\u0000视频",
      "rag\u0007",
      "文生\u200b视频",
      "\u200dagent",
      "\ufeffRAG",
      "cs.CV\u202e",
      "\u2066diffusion\u2069",
      "rag\u009b",
    ]) {
      expect(refusal(input).reason, JSON.stringify(input)).toBe("invisible");
    }
  });

  it("refuses Chinese that is not a topic and suggests close ones for typos and parts", () => {
    const typo = refusal("文生视屏");
    expect(typo.reason).toBe("unknown");
    expect(names(typo.suggestions)[0]).toBe("文生视频");
    expect(typo.message).toContain("文生视频");
    expect(names(refusal("视频").suggestions)[0]).toBe("文生视频");
    expect(names(refusal("生成视频").suggestions)[0]).toBe("文生视频");
    expect(names(refusal("图像").suggestions)[0]).toBe("文生图");
    expect(names(refusal("对其").suggestions)).toEqual(["对齐"]);
    expect(names(refusal("文生音屏").suggestions)[0]).toBe("文生音频");
    expect(names(refusal("大模型/AI4Science").suggestions)).toEqual(["科学智能", "大模型"]);
  });

  it("refuses Chinese with nothing close, saying how to find topics", () => {
    const error = refusal("量子计算");
    expect(error.suggestions).toEqual([]);
    expect(error.message).toContain("/topics");
  });
});

describe("normalise", () => {
  it("folds width, case, whitespace and traditional characters", () => {
    expect(normalise("  ＡＢＣ\u3000文生視頻\n")).toBe("abc 文生视频");
  });
});
