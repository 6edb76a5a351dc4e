/**
 * The Chinese labels and lines of cards and digests, in one place. Functions take the dynamic
 * parts; they never escape (renderers do).
 */

export const CARD = {
  authors: "👥 ",
  tags: "🏷 ",
  score: "推荐 ",
  links: "🔗 ",
  abs: "arXiv",
  pdf: "PDF",
  code: "代码",
  /** a fallback card while an LLM is configured: it may still be written (retry, budget) */
  pending: "⏳ 中文摘要生成中，先看英文摘要：",
  /** a fallback card with no LLM configured: nothing will write it */
  noLlm: "未配置 LLM，先看英文摘要：",
  separator: " · ",
} as const;

export const DIGEST = {
  title: (date: string) => `📰 论文速递 · ${date}`,
  subscriptions: (labels: string[], more: number) =>
    `订阅：${labels.join("、")}${more > 0 ? ` 等 ${labels.length + more} 项` : ""}`,
  count: (shown: number, total: number) =>
    shown < total ? `共 ${total} 篇匹配订阅，本期精选 ${shown} 篇` : `共 ${total} 篇`,
  chapter: (name: string, n: number) => `【${name}】${n} 篇`,
  footer:
    "调整订阅：/subscribe 主题 · /unsubscribe 主题 · /list 查看；/setformat brief 切换简版，/setlimit 调整篇数。",
  includesSent: "（含之前推送过的论文）",
  web: "🌐 网页版：",
  webLink: "本期全部论文",
} as const;
