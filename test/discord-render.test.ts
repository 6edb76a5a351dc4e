import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DISCORD_LIMITS,
  type DiscordMessagePayload,
  discordFullness,
  escapeDiscordMarkdown,
  renderDiscordPayload,
  splitForDiscord,
  toDiscordPayloads,
} from "../bots/discord/render.ts";
import { bold, type RichMessage, textMessage } from "../src/core/message.ts";
import { cardBlock, cardMessage } from "../src/digest/card-message.ts";
import { paperIdsOf } from "../src/digest/split.ts";
import { paper, realCard } from "./commands-setup.ts";
import {
  type SamplePaper,
  sampleCard,
  sampleDigest,
  validateMessageBody,
} from "./fakes/discord.ts";

const papers: SamplePaper[] = JSON.parse(
  readFileSync(new URL("./fixtures/discord/papers.json", import.meta.url), "utf8"),
);

/** The markdown a user reads in a payload (content, titles, descriptions). */
function markdownText(p: DiscordMessagePayload): string {
  return [
    p.content ?? "",
    ...(p.embeds ?? []).flatMap((e) => [e.title ?? "", e.description ?? ""]),
  ].join("\n");
}

/** The plain text (no markdown there) a user reads: embed authors and footers. */
function plainText(p: DiscordMessagePayload): string {
  return (p.embeds ?? []).flatMap((e) => [e.author?.name ?? "", e.footer?.text ?? ""]).join("\n");
}

const visibleText = (p: DiscordMessagePayload) => `${markdownText(p)}\n${plainText(p)}`;

/** What Discord shows for escaped markdown: a backslash before punctuation disappears. */
const shown = (s: string) => s.replace(/\\([^0-9A-Za-z\s])/g, "$1").replace(/\u200b/g, "");

const HOSTILE =
  "<script>alert(1)</script> &amp; </b> **粗体** __下划线__ @everyone @here <@123456789012345678> [点我](https://evil.example) ||剧透|| `code` # 标题";

describe("Discord rendering", () => {
  it("renders a card as one embed titled in Chinese, linking to arXiv, with its lines", () => {
    const paper = papers[0] as SamplePaper;
    const [payload] = toDiscordPayloads({ blocks: [sampleCard(paper)] });
    expect(payload?.embeds).toHaveLength(1);
    const embed = payload?.embeds?.[0];
    expect(shown(embed?.title ?? "")).toBe(paper.headline_zh);
    expect(embed?.url).toBe(`https://arxiv.org/abs/${paper.id}`);
    expect(embed?.description).toContain("💡 一句话：");
    expect(embed?.description).toContain("🎯 动机：");
    expect(embed?.description).toContain(`[PDF](https://arxiv.org/pdf/${paper.id})`);
    expect(embed?.description?.split("\n")[0]).toMatch(/^\*.+\*$/);
  });

  it("renders sudi's own /paper card: Chinese title linked to arXiv, every section, the links", () => {
    const p = paper("2304.06648", {
      title: "DiffFit: Unlocking Transferability of Large Diffusion Models",
    });
    const card = realCard(p, {
      title_zh: "DiffFit：只调偏置和缩放因子，大扩散模型也能快速迁移",
      tldr: "只微调偏置项和新增的缩放因子，就能把预训练扩散模型快速迁移到新领域。",
      score: 4,
    });
    const [payload] = toDiscordPayloads(cardMessage(card));
    const embed = payload?.embeds?.[0];
    expect(shown(embed?.title ?? "")).toBe(card.title_zh);
    expect(embed?.url).toBe("https://arxiv.org/abs/2304.06648");
    expect(embed?.description).toContain(`*${p.title}*`);
    expect(embed?.description).toContain(card.tldr);
    expect(embed?.description).toContain("★★★★☆");
    expect(embed?.description).toContain("(https://arxiv.org/pdf/2304.06648)");
  });

  it("lists a brief digest's one-line cards together, under their chapter heading", () => {
    const cards = papers.slice(0, 6).map((p) => cardBlock(realCard(paper(p.id)), "brief"));
    const message: RichMessage = {
      blocks: [
        {
          kind: "heading",
          title: [bold("📚 论文速递 · 2024-04-24")],
          lines: [[{ text: "共 6 篇" }]],
        },
        { kind: "heading", title: [bold("文/图生视频（6）")], lines: [] },
        ...cards,
        { kind: "footer", lines: [[{ text: "用 /subscribe 添加主题" }]] },
      ],
    };
    const [payload, ...more] = toDiscordPayloads(message);
    expect(more).toEqual([]);
    expect(payload?.embeds).toHaveLength(2);
    const list = payload?.embeds?.[1];
    expect(shown(list?.title ?? "")).toBe("文/图生视频（6）");
    expect(list?.description?.split("\n")).toHaveLength(6);
    expect(list?.footer?.text).toBe("用 /subscribe 添加主题");
  });

  it("shows hostile text literally and disables every mention", () => {
    const message: RichMessage = {
      blocks: [
        { kind: "heading", title: [bold(HOSTILE)], lines: [[{ text: HOSTILE }]] },
        {
          ...sampleCard(papers[1] as SamplePaper),
          title: [{ text: HOSTILE, href: "https://arxiv.org/abs/2404.00001" }],
        },
        { kind: "footer", lines: [[{ text: HOSTILE }]] },
      ],
      buttons: [{ label: HOSTILE, command: "/paper 2404.00001" }],
    };
    for (const payload of [
      ...toDiscordPayloads(message),
      ...toDiscordPayloads(textMessage(HOSTILE)),
    ]) {
      expect(payload.allowed_mentions).toEqual({ parse: [] });
      const text = markdownText(payload);
      // no markdown survives: no masked link, no mention syntax, no formatting markers
      expect(text).not.toMatch(/(?<!\\)\[点我\]\(/);
      expect(text).not.toMatch(/(?<!\\)<@\d+>/);
      expect(text).not.toMatch(/(?<!\\)\|\|/);
      expect(text).not.toMatch(/@everyone|@here/);
      for (const line of text.split("\n")) expect(line).not.toMatch(/^#/);
      // yet the reader sees every character of it
      expect(shown(text)).toContain(HOSTILE.replace(/`code`/, "").slice(0, 40));
      expect(shown(text)).toContain("&amp; </b> **粗体**");
      // footers and authors show no markdown at all: the text as is, mentions defused
      const plain = plainText(payload);
      expect(plain).not.toMatch(/@everyone|@here/);
      if (plain.trim()) expect(plain.replace(/\u200b/g, "")).toContain(HOSTILE);
    }
  });

  it("escapes markdown so Discord shows the original characters", () => {
    const cases = ["a*b*c", "__x__", "~~s~~", "`c`", "> quote", "# head", "- item", "1. one", "\\"];
    for (const raw of cases) expect(shown(escapeDiscordMarkdown(raw))).toBe(raw);
    expect(escapeDiscordMarkdown("<t:0:R>")).toBe("\\<t:0:R\\>");
  });

  it("splits a 30-paper digest into messages Discord accepts, keeping every card whole", () => {
    const digest = sampleDigest(papers);
    const parts = splitForDiscord(digest);
    const payloads = parts.map(renderDiscordPayload);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) {
      expect(validateMessageBody(payload)).toBeUndefined();
      expect(discordFullness(payload)).toBeLessThanOrEqual(1);
      expect(payload.embeds?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
    }
    // every paper in exactly one part, and its card in exactly one embed
    const ids = parts.flatMap(paperIdsOf);
    expect(ids.sort()).toEqual(papers.map((p) => p.id).sort());
    const cardEmbeds = payloads
      .flatMap((p) => p.embeds ?? [])
      .filter((e) => e.url?.includes("/abs/"));
    expect(cardEmbeds).toHaveLength(30);
    // chapter headings ride on the first card of their chapter; the footer ends the digest
    expect(cardEmbeds.filter((e) => e.author).length).toBeGreaterThan(0);
    expect(payloads.at(-1)?.embeds?.at(-1)?.footer?.text).toContain("/subscribe");
  });

  it("keeps oversized titles, blocks and lines within the limits", () => {
    const longTitle = "长".repeat(400);
    const longLine = "很长的一行".repeat(2000);
    const message: RichMessage = {
      blocks: [
        {
          kind: "card",
          paperId: "2404.99999",
          title: [{ text: longTitle }],
          lines: [[{ text: "x" }]],
        },
        {
          kind: "text",
          lines: Array.from({ length: 300 }, (_, i) => [
            { text: `第 ${i} 行：${"字".repeat(40)}` },
          ]),
        },
        { kind: "heading", title: [{ text: "标题" }], lines: [[{ text: longLine }]] },
        { kind: "footer", lines: Array.from({ length: 100 }, () => [{ text: "页脚".repeat(20) }]) },
      ],
    };
    const payloads = toDiscordPayloads(message);
    for (const p of payloads) expect(validateMessageBody(p)).toBeUndefined();
    const first = payloads[0]?.embeds?.[0];
    expect(first?.title?.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(first?.url).toBe("https://arxiv.org/abs/2404.99999");
    const text = payloads.map(visibleText).join("");
    expect(text.split("很").length - 1).toBe(2000);
    expect(text).toContain("第 299 行");
  });

  it("sends text-only replies as plain content without link previews", () => {
    const [payload] = toDiscordPayloads(
      textMessage("已订阅：文生视频", [bold("下次推送"), { text: " 09:00" }]),
    );
    expect(payload?.embeds).toBeUndefined();
    expect(payload?.content).toBe("已订阅：文生视频\n\n**下次推送** 09:00");
    expect(payload?.flags).toBe(4);
  });

  it("turns buttons into link and command buttons on the last message", () => {
    const digest = sampleDigest(papers.slice(0, 12));
    digest.buttons = [
      { label: "arXiv", url: "https://arxiv.org/list/cs.CV/new" },
      { label: "查看卡片", command: "/paper 2404.14469" },
      { label: "坏链接", url: "javascript:alert(1)" },
    ];
    const payloads = toDiscordPayloads(digest);
    expect(payloads.slice(0, -1).every((p) => !p.components)).toBe(true);
    const buttons = payloads.at(-1)?.components?.[0]?.components;
    expect(buttons).toEqual([
      { type: 2, style: 5, label: "arXiv", url: "https://arxiv.org/list/cs.CV/new" },
      { type: 2, style: 2, label: "查看卡片", custom_id: "sudi:/paper 2404.14469" },
    ]);
  });
});
