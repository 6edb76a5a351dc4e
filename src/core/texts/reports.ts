/** Chinese text of 周报 and 月报, /setfreq and /report: one place to read and correct it. */

export const REPORT_NAME = { week: "周报", month: "月报" } as const;
export const FREQUENCY_NAME = { daily: "日报", weekly: "周报", monthly: "月报" } as const;

export const R = {
  title: (name: string, label: string) => `📚 论文${name} · ${label}`,
  seen: (seen: number, matched: number) =>
    `本期 arXiv 共 ${seen} 篇新论文，其中 ${matched} 篇匹配订阅。`,
  seenAll: (seen: number) => `本期 arXiv 共 ${seen} 篇新论文。`,
  perChapter: (parts: string[]) => `各章节：${parts.join("，")}`,
  chapterCount: (chapter: string, n: number) => `${chapter} ${n}`,
  rose: (parts: string[]) => `比上期多：${parts.join("，")}`,
  fell: (parts: string[]) => `比上期少：${parts.join("，")}`,
  steady: "各章节篇数与上期持平。",
  change: (chapter: string, delta: number) => `${chapter} ${delta > 0 ? "+" : ""}${delta}`,
  noPrevious: "上期数据不全，无法对比。",
  missingDays: (days: string[]) =>
    `⚠️ 还没有收录这些公告日的论文：${days.join("、")}（可运行 sudi ingest --from … --to … 补齐）。`,
  unseen: (label: string) =>
    `还没有收录 ${label} 的论文，无法生成报告；这不代表这段时间没有新论文。管理员可运行 sudi ingest --from … --to … 补齐。`,
  notEnded: (label: string) => `${label} 还没有结束，报告会在结束后的第一天送达。`,
  empty: (label: string) => `${label} 没有匹配订阅的论文。`,
  noSubscriptions: "这个聊天还没有订阅任何主题，先用 /subscribe 订阅吧。",
  chapter: (chapter: string, shown: number, total: number) =>
    shown < total
      ? `📂 ${chapter}（${total} 篇，精选 ${shown} 篇）`
      : `📂 ${chapter}（${total} 篇）`,
  headline: (unit: string, method: string | null, tldr: string) =>
    method ? `【${unit} 提出 ${method}：${tldr}】` : `【${unit}：${tldr}】`,
  etAl: (family: string) => `${family} 等`,
  popularity: (upvotes?: number, stars?: number) =>
    [upvotes ? `🤗 ${upvotes}` : "", stars ? `⭐ ${stars}` : ""].filter(Boolean).join(" · "),
  signals: (used: string[]) => `排序依据：${used.join("、")}。`,
  signalName: {
    score: "推荐指数",
    match: "订阅匹配",
    ranking: "个人偏好",
    hf: "Hugging Face 点赞",
    github: "GitHub 星标",
  },
  hfFailed: "Hugging Face 点赞暂时取不到，本期未计入",
  githubFailed: "GitHub 星标暂时取不到，本期未计入",
  githubPartial: (known: number, wanted: number) =>
    `GitHub 星标只取到 ${known}/${wanted} 个仓库（GitHub 限流，其余下次补上）`,
  summaryMore: (n: number) => `共精选 ${n} 篇，完整报告见附件 HTML 文件。`,
  webLink: "在网页上查看",
  keywords: (words: string[]) => `🔥 热词：${words.join("、")}`,
  tableHeader: ["Ref", "Title", "Summary"] as const,
  chartTitle: (name: string, label: string) => `${name} ${label}：各章节论文数`,
  chartThis: "本期",
  chartPrevious: "上期",
  chartKeywords: "热词",
  footer: "用 /setfreq 调整日报、周报、月报，/report 周报 随时查看。",
  fileName: (key: string) => `sudi-${key}.html`,
  // commands
  setfreqUsage:
    "用法：/setfreq 日报|周报|月报，可用 + 组合，例如 /setfreq 日报+月报。周报每周一、月报每月 1 日按你的推送时间送达。",
  setfreqDone: (names: string[], nexts: string[]) =>
    `好的，之后会收到：${names.join("、")}。\n${nexts.join("\n")}`,
  nextOf: (name: string, when: string) => `下次${name}：${when}`,
  reportUsage:
    "用法：/report 周报|月报 [期数]，例如 /report 周报、/report 周报 2024-W17、/report 月报 2024-04。",
  periodInvalid: (text: string) => `看不懂期数「${text}」：周报写 2024-W17，月报写 2024-04。`,
  periodMismatch: "周报请写成 2024-W17，月报请写成 2024-04。",
  frequencyLine: (names: string[]) => `推送频率：${names.join(" + ")}`,
  reportFormatLine: (table: boolean) => `周报/月报格式：${table ? "表格（TL;DR）" : "标题 + 摘要"}`,
  setformatTable: "好的，周报和月报将以表格（TL;DR）形式发送：每篇一行，编号、标题、一句话总结。",
  setformatHeadlines: "好的，周报和月报将以「标题 + 两三句摘要」的形式发送。",
} as const;
