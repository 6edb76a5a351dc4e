/**
 * Every Chinese sentence of the web archive (src/web) and its Atom feeds, in one place. Functions
 * take the dynamic parts; they never escape (the page renderer does).
 */
export const WEB = {
  siteName: "论文速递",
  siteTagline: "每个 arXiv 公告日的新论文中文卡片",
  navHome: "最新一期",
  navTopics: "主题",
  navDays: "往期",
  navLabel: "站内导航",
  searchLabel: "搜索论文",
  searchPlaceholder: "搜索标题、摘要或中文卡片",
  searchButton: "搜索",
  skipToContent: "跳到正文",
  footer: "论文速递 · 卡片由 LLM 根据 arXiv 摘要生成，请以原文为准。",
  footerFeeds: "订阅 Atom：每个主题页都有自己的 feed。",

  homeTitle: "最新一期",
  homeEmpty: "还没有抓取到任何 arXiv 公告。",
  dayTitle: (date: string) => `${date} 论文速递`,
  dayCount: (n: number) => `本期共 ${n} 篇`,
  dayPrevious: "← 前一期",
  dayNext: "后一期 →",
  recentDays: "往期",
  recentDay: (date: string, n: number) => `${date}（${n} 篇）`,
  chaptersLabel: "本期章节",
  chapter: (name: string, n: number) => `${name} · ${n} 篇`,

  topicTitle: (name: string) => `主题：${name}`,
  topicAbout: (chapter: string) => `所属章节：${chapter}`,
  topicAliases: (aliases: string[]) => `别名：${aliases.join("、")}`,
  topicEmpty: "最近几期没有这个主题的论文。",
  topicFeed: "订阅本主题的 Atom feed",
  topicsTitle: "全部主题",

  paperTitleSuffix: "论文卡片",
  paperAbstract: "英文摘要",
  paperDeep: "深读",
  paperAnnounced: (date: string) => `收录于 ${date} 的公告`,
  paperCategories: (cats: string[]) => `arXiv 分类：${cats.join("、")}`,
  paperTopics: "主题",
  paperDayLink: "查看当天全部论文",
  moreOnPage: "完整卡片",

  searchTitle: "搜索",
  searchResults: (q: string, n: number) => `「${q}」的搜索结果：${n} 篇`,
  searchNoHits: (q: string) => `没有找到与「${q}」相关的论文。`,
  searchEmpty: "输入关键词搜索已收录的论文，例如：扩散模型、speculative decoding。",
  searchUnusable: "搜索词里没有可用的文字或数字，请换个说法。",
  searchTooLong: (max: number) => `搜索词太长了，最多 ${max} 个字符。`,
  rateLimited: (seconds: number) => `搜索太频繁了，请 ${seconds} 秒后再试。`,

  reportTitle: (period: string) => `报告 ${period}`,
  chatReportNote: (chat: string | null) =>
    `这是${chat ? `「${chat}」` : "本聊天"}按自己的订阅和格式生成的报告。链接里含有本聊天的密钥，请勿公开；在聊天里发送 /feed reset 可让旧链接失效。`,
  chatReportPublic: "查看覆盖全部主题的公开版",

  notFoundTitle: "页面不存在",
  notFound: "没有找到这个页面。",
  backHome: "回到首页",
  errorTitle: "出错了",
  error: "服务器处理这个请求时出错了，请稍后再试。",

  feedTopicTitle: (name: string) => `论文速递 · ${name}`,
  feedTopicSubtitle: (name: string) => `arXiv 上「${name}」主题的新论文中文卡片`,
  feedChatTitle: (title: string | null) => (title ? `论文速递 · ${title}` : "论文速递 · 我的订阅"),
  feedChatSubtitle: "按本聊天订阅匹配的新论文中文卡片",
} as const;

/** What /feed answers in a chat. */
export const FEED = {
  url: (url: string) => `📡 本聊天的 Atom 订阅地址（按本聊天的订阅生成，请勿公开）：\n${url}`,
  path: (path: string) =>
    `📡 本聊天的 Atom feed 路径：${path}\n管理员尚未设置网页存档的公开地址（SUDI_PUBLIC_URL），请把它加在网页存档地址后面使用。`,
  resetDone: "🔄 已重置订阅地址，旧的 feed 地址和周报/月报网页链接立即失效。",
  usage: "用法：/feed 查看本聊天的 Atom 订阅地址；/feed reset 重置地址（旧地址失效）。",
  resetAdminOnly:
    "只有群管理员可以重置本群的订阅地址。想要自己的订阅，请私聊机器人，在私聊里发送 /feed。",
} as const;
