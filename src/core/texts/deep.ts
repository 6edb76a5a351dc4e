/**
 * The Chinese words of the deep-read card (深读) and of /ask: section labels and what the prompt
 * asks for, and every reply the deep read and /ask give a reader.
 */
import type { SectionText } from "./card.ts";

/** The deep-read card's sections, in the seed's order. */
export const DEEP_CARD_TEXT = {
  summary: { label: "摘要", emoji: "📝", ask: "中文摘要，150 字内，说清做了什么、效果如何" },
  background: { label: "研究背景", emoji: "🌍", ask: "研究背景，150 字内" },
  challenges: { label: "问题与挑战", emoji: "🧩", ask: "要解决的问题和难点，150 字内" },
  solution: { label: "如何解决", emoji: "🛠", ask: "如何解决，200 字内" },
  innovations: { label: "创新点", emoji: "✨", ask: "创新点，150 字内，可分条用「；」隔开" },
  architecture: { label: "算法模型", emoji: "🧠", ask: "算法或模型结构，200 字内" },
  experiments: {
    label: "实验效果",
    emoji: "📈",
    ask: "实验设置与效果，200 字内；数字必须原样来自论文正文",
  },
  key_results: {
    label: "重要数据与结论",
    emoji: "📊",
    ask: "重要数据与结论数组，至多 5 条，每条 50 字内；数字必须原样来自论文正文",
  },
  reading_score: {
    label: "推荐阅读指数",
    emoji: "⭐",
    ask: "推荐阅读指数，整数 1 到 5（5 必读，3 值得一读，1 可略过）",
  },
  reading_reason: {
    label: "推荐理由",
    emoji: "",
    ask: "一句话说明为什么值得（或不必）细读，40 字内",
  },
} as const satisfies Record<string, SectionText>;

/** Labels of what code adds to a deep-read card. */
export const DEEP_LABELS = {
  heading: "📖 深读",
  affiliations: "🏛 单位：",
  authors: "👥 作者：",
  source: (kind: "html" | "pdf") => (kind === "html" ? "arXiv HTML 全文" : "PDF 全文"),
  footer: (source: string, promptVersion: string) => `依据：${source} · ${promptVersion}`,
  numbersRemoved: (count: number) => `已删去 ${count} 处原文中找不到的数字`,
  excerptCut: "（论文较长，只读了主要章节）",
  links: "🔗 ",
  abs: "arXiv",
  pdf: "PDF",
  separator: " · ",
} as const;

/** Replies of /deep, /paper <id> 深读, /ask and their CLI twins. */
export const DEEP = {
  deepUsage:
    "用法：/deep <arXiv id 或链接>，例如 /deep 2404.14469（也可以 /paper 2404.14469 深读）",
  askUsage: "用法：/ask <arXiv id> <问题>，例如 /ask 2404.14469 它和 H2O 有什么区别？",
  askTooLong: (max: number) => `问题太长了，请控制在 ${max} 字以内。`,
  noLlm: "深读需要 LLM，但机器人没有配置 OPENAI_API_KEY。先看看这篇论文的简要卡片：",
  noLlmAsk: "回答问题需要 LLM，但机器人没有配置 OPENAI_API_KEY。",
  noFullText: (id: string) =>
    `暂时拿不到 ${id} 的全文（arXiv 既没有 HTML 版本，PDF 也读不出来），没法深读。先看看简要卡片：`,
  noFullTextAsk: (id: string) => `暂时拿不到 ${id} 的全文，没法回答这个问题。`,
  overBudget: "今天的 LLM 额度已经用完，明天再来深读吧。先看看简要卡片：",
  overBudgetAsk: "今天的 LLM 额度已经用完，明天再来提问吧。",
  failed: "LLM 这次没能写出深读卡片，请稍后再试。先看看简要卡片：",
  failedAsk: "LLM 这次没能回答，请稍后再试。",
  userQuota: (limit: number) =>
    `你今天的深读次数（${limit} 次）已经用完，已有的深读卡片仍可随时查看。`,
  groupQuota: (limit: number) =>
    `这个群今天的深读次数（${limit} 次）已经用完，已有的深读卡片仍可随时查看。`,
  askUserQuota: (seconds: number) => `提问太频繁了，请 ${seconds} 秒后再试。`,
  askGroupQuota: (limit: number) => `这个群今天的提问次数（${limit} 次）已经用完，明天再来吧。`,
  askUserDayQuota: (limit: number) => `你今天的提问次数（${limit} 次）已经用完，明天再来吧。`,
  working: "正在读全文，大约需要半分钟……",
  answerHeading: (id: string) => `❓ 关于 ${id} 的回答`,
  question: "问题：",
  notAnswered: "这篇论文没有回答这个问题。",
  quoteFrom: (section: string) => `📌 依据「${section}」：`,
  buttonDeep: "📖 深读",
} as const;
