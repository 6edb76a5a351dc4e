import { describe, expect, it } from "vitest";
import { SHORT_CARD } from "../src/core/card-sections.ts";
import { cleanLlmText, sourceText } from "../src/summarise/clean.ts";
import { parseAnswer } from "../src/summarise/validate.ts";

const paper = {
  title: "Better code agents: pass@1 on SWE-bench",
  abstract:
    "We release train.py and our data at github.com/acme/agent. Results on HumanEval improve " +
    "pass@1 by 5%. Contact @acme_lab. See https://acme.example/page for details.",
  comment: "Accepted to NeurIPS 2024",
};
const source = sourceText(paper);

describe("LLM text is checked like user input", () => {
  it.each([
    // [case, text the model wrote, what the card keeps]
    ["scheme URL", "详见 https://evil.xyz/login 的说明。", "详见 的说明。"],
    ["scheme URL, even one the abstract has", "详见 https://acme.example/page。", "详见。"],
    ["www. form", "访问 www.evil.com 获取。", "访问 获取。"],
    ["host/path", "加入 t.me/scam 群。", "加入 群。"],
    ["short link", "见 bit.ly/3xYz 领取。", "见 领取。"],
    ["bare host", "代码在 evil.xyz 上。", "代码在 上。"],
    ["bare host after Chinese", "代码在evil.xyz上。", "代码在上。"],
    [
      "host/path the abstract has",
      "代码见 github.com/acme/agent。",
      "代码见 github.com/acme/agent。",
    ],
    ["file name the abstract has", "只需运行 train.py 即可复现。", "只需运行 train.py 即可复现。"],
    ["file name the abstract lacks", "只需运行 eval.py 即可复现。", "只需运行 即可复现。"],
    ["metric with @", "pass@1 提升 5%。", "pass@1 提升 5%。"],
    ["mention at word start", "联系 @scam_admin 领奖。", "联系 领奖。"],
    ["@everyone", "@everyone 快来看。", "快来看。"],
    ["mention the abstract has", "作者 @acme_lab 开源了代码。", "作者 @acme_lab 开源了代码。"],
    ["e-mail address", "发邮件到 a@evil.xyz 获取。", "发邮件到 a@ 获取。"],
    ["mailto", "写信 mailto:x@y.z。", "写信。"],
    [
      "numbers and versions stay",
      "Llama-3.1 与 GPT-4.5 在 3.2x 加速下持平。",
      "Llama-3.1 与 GPT-4.5 在 3.2x 加速下持平。",
    ],
    ["abbreviations stay", "例如 e.g. 与 i.e. 的用法。", "例如 e.g. 与 i.e. 的用法。"],
    ["right-to-left override", "效果\u202Egnp.exe 很好。", "效果 很好。"],
    ["zero-width space", "效\u200B果\u200D很\uFEFF好。", "效果很好。"],
    ["HTML tag", "效果很好<script>alert(1)</script>。", "效果很好alert(1)。"],
    ["Markdown link", "动机见[这里](https://evil.xyz)说明。", "动机见这里说明。"],
  ])("%s", (_case, text, kept) => {
    const result = cleanLlmText(text, source);
    expect(result.text).toBe(kept.trim());
    expect(result.removed.length > 0 || result.stripped).toBe(kept !== text);
  });

  it("records on the card that it was cleaned, and what went", () => {
    const answer = parseAnswer(
      SHORT_CARD,
      JSON.stringify({
        title_zh: "代码智能体\u202E：更强的 pass@1",
        tldr: "关注 t.me/scam 获取更多论文解读。",
        results: "在 HumanEval 上 pass@1 提升 5%。",
        topics: ["agent"],
      }),
      { topicIds: new Set(["agent"]), ruleTopics: () => [], source },
    );
    expect(answer.cleaned).toBe(true);
    expect(answer.fields.title_zh).toBe("代码智能体：更强的 pass@1");
    expect(answer.fields.tldr).toBe("关注 获取更多论文解读。");
    expect(answer.repairs).toEqual(
      expect.arrayContaining([
        "title_zh: stripped invisible characters or markup",
        "tldr: removed 1 link(s)",
      ]),
    );
  });

  it("leaves a clean answer unmarked", () => {
    const answer = parseAnswer(
      SHORT_CARD,
      JSON.stringify({
        title_zh: "代码智能体",
        tldr: "更强的代码智能体。",
        method: "两阶段训练。",
      }),
      { topicIds: new Set(), ruleTopics: () => ["other"], source },
    );
    expect(answer.cleaned).toBe(false);
  });
});
