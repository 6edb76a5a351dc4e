import { describe, expect, it } from "vitest";
import { bold, italic, link, type RichMessage, span } from "../src/core/message.ts";
import { cardBlock, cardMessage, cardTags, hashtag, stars } from "../src/digest/card-message.ts";
import { escapeHtml, toHtml } from "../src/digest/render/html.ts";
import { escapeMarkdown, lineToMarkdown, toMarkdown } from "../src/digest/render/markdown.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { paper, realCard } from "./commands-setup.ts";

const NASTY = "<script>alert(1)</script> &amp; </b> **x** [a](javascript:x) `c` _u_ #h";

/**
 * What CommonMark shows for text that should have no markup: backslash escapes resolved;
 * null when an unescaped special character would start markup.
 */
function literalMarkdown(md: string): string | null {
  let out = "";
  for (let i = 0; i < md.length; i++) {
    const c = md[i] ?? "";
    if (c === "\\" && /[!-/:-@[-`{-~]/.test(md[i + 1] ?? "")) {
      out += md[i + 1];
      i++;
    } else if (/[\\`*_[\]<>&!#|~]/.test(c)) {
      return null;
    } else {
      out += c;
    }
  }
  return out;
}

function nastyCard() {
  const p = paper("2404.14469", { title: NASTY });
  return realCard(p, {
    title_zh: `标题 ${NASTY}`,
    tldr: `一句话 ${NASTY}`,
    keywords: ["a<b>", "x y"],
    links: { abs: "ignored", pdf: "ignored", code: "javascript:alert(1)" },
  });
}

describe("dynamic text shows literally", () => {
  it("in plain text", () => {
    const text = toPlainText(cardMessage(nastyCard()));
    expect(text).toContain(`标题 ${NASTY}`);
    expect(text).toContain(NASTY);
  });

  it("in Markdown: every special character escaped", () => {
    expect(literalMarkdown(escapeMarkdown(NASTY))).toBe(NASTY);
    expect(literalMarkdown(lineToMarkdown([span(NASTY)]))).toBe(NASTY);
    const md = toMarkdown(cardMessage(nastyCard()));
    expect(md).toContain(`**${escapeMarkdown(`标题 ${NASTY}`)}**`);
    expect(md).toContain("\\<script\\>");
    expect(md).toContain("\\&amp;");
    expect(md).toContain("\\</b\\>");
    expect(md).not.toMatch(/(^|[^\\])<script/);
  });

  it("in Markdown: line starts that would make lists, headings or quotes are escaped", () => {
    for (const t of ["- item", "+ item", "1. item", "2) item", "# head", "> quote", "=== x"]) {
      const md = lineToMarkdown([span(t)]);
      expect(literalMarkdown(md.replace(/^(\d+)\\([.)])/, "$1\\$2"))).toBe(t);
      expect(md).not.toBe(t);
    }
  });

  it("in HTML: text and attributes escaped", () => {
    const html = toHtml(cardMessage(nastyCard()));
    expect(html).toContain(escapeHtml(`标题 ${NASTY}`));
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &lt;/b&gt;");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("</b> **");
    expect(html).not.toContain('href="javascript');
  });

  it("links are built from the id; a non-http code link is dropped", () => {
    const block = cardBlock(nastyCard(), "full");
    const hrefs = [block.title ?? [], ...block.lines]
      .flat()
      .flatMap((s) => (s.href ? [s.href] : []));
    expect(hrefs).toEqual(["https://arxiv.org/abs/2404.14469", "https://arxiv.org/pdf/2404.14469"]);
  });

  it("Markdown link destinations and code spans cannot break out", () => {
    const message: RichMessage = {
      blocks: [
        {
          kind: "text",
          lines: [[link("x", "https://example.org/a b)c"), span(" "), { text: "a`b", code: true }]],
        },
      ],
    };
    expect(toMarkdown(message)).toBe("[x](https://example.org/a%20b%29c) ``a`b``");
  });
});

describe("card layout", () => {
  it("follows the 论文速递 layout at full density", () => {
    const p = paper("2304.06648", {
      title: "DiffFit: Unlocking Transferability of Large Diffusion Models",
    });
    const card = realCard(p, {
      title_zh: "DiffFit：只调偏置和缩放因子，大扩散模型也能快速迁移",
      tldr: "只微调偏置项和新增的缩放因子。",
      motivation: "全量微调又慢又占存储。",
      method: "仅训练 bias 和 scaling factor。",
      results: "FID 3.02。",
      topics: ["text-to-image"],
      keywords: ["参数高效微调"],
      score: 4,
      authors: "Enze Xie, Lewei Yao, Han Shi 等",
      links: { abs: "", pdf: "", code: "https://github.com/example/difffit" },
    });
    const block = cardBlock(card, "full");
    expect(block.kind).toBe("card");
    expect(block.paperId).toBe("2304.06648");
    expect(block.title).toEqual([bold("DiffFit：只调偏置和缩放因子，大扩散模型也能快速迁移")]);
    expect(block.lines[0]).toEqual([italic(p.title)]);
    expect(toPlainText({ blocks: [block] }).split("\n")).toEqual([
      "DiffFit：只调偏置和缩放因子，大扩散模型也能快速迁移",
      p.title,
      "👥 Enze Xie, Lewei Yao, Han Shi 等",
      "💡 一句话：只微调偏置项和新增的缩放因子。",
      "🎯 动机：全量微调又慢又占存储。",
      "🛠 方法：仅训练 bias 和 scaling factor。",
      "📈 效果：FID 3.02。",
      "🏷 #文生图 #参数高效微调 · 推荐 ★★★★☆",
      "🔗 arXiv https://arxiv.org/abs/2304.06648 · PDF https://arxiv.org/pdf/2304.06648 · 代码 https://github.com/example/difffit",
    ]);
  });

  it("marks a fallback card as not yet summarised and shows no stars", () => {
    const p = paper("2404.00001", { title: "An English title" });
    const card = realCard(p, {
      fallback: true,
      title_zh: p.title,
      tldr: "The first sentence.",
      motivation: "",
      method: "",
      results: "",
      score: null,
    });
    const text = toPlainText(cardMessage(card));
    expect(text).toContain("⏳ 中文摘要生成中");
    expect(text).toContain("The first sentence.");
    expect(text).not.toContain("★");
    expect(text).not.toContain("动机");
    expect(toPlainText({ blocks: [cardBlock(card, "brief")] })).toBe(
      "• ⏳ An English title（2404.00001 https://arxiv.org/abs/2404.00001）",
    );
  });

  it("is one line in brief density: Chinese title, summary and link", () => {
    const p = paper("2304.06648");
    const card = realCard(p, { title_zh: "DiffFit：只调偏置", tldr: "只微调偏置项。" });
    expect(toPlainText({ blocks: [cardBlock(card, "brief")] })).toBe(
      "• DiffFit：只调偏置：只微调偏置项。（2304.06648 https://arxiv.org/abs/2304.06648）",
    );
  });

  it("makes hashtags platforms keep whole, and stars from the score", () => {
    expect(hashtag("KV cache")).toBe("#KV_cache");
    expect(hashtag("文/图生视频")).toBe("#文_图生视频");
    expect(hashtag("<b>")).toBe("#b");
    expect(hashtag("!!!")).toBe("");
    expect(stars(4)).toBe("★★★★☆");
    expect(stars(1)).toBe("★☆☆☆☆");
    const card = realCard(paper("2404.1"), {
      topics: ["agent", "nope"],
      keywords: ["Agent", "工具"],
    });
    expect(cardTags(card)).toEqual(["#智能体", "#Agent", "#工具"]);
  });
});
