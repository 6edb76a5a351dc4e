/**
 * Every Chinese sentence a chat user sees from a command, in one place, so the wording can be
 * read and corrected without touching the logic. Functions take the dynamic parts; they never
 * escape (renderers do).
 */
import { RANKING_HELP } from "./ranking.ts";

// --- general ---

export const T = {
  botName: "论文速递",
  intro:
    "📚 论文速递：每个 arXiv 公告日，把新论文写成中文卡片（一句话总结、动机、方法、效果、推荐指数），按你订阅的主题推送到这里。",
  helpGroupsNote:
    "群里只有管理员能修改本群的订阅和设置；每个成员都可以用 /subscribe me 主题、/follow me 作者 在群里为自己订阅，或私聊机器人。",
  /** edited messages and photo captions are not read */
  helpEditedNote: "修改已发出的命令不会重新执行；要改，请重新发送一条。",
  helpTopicsHint: "发送 /topics 查看所有主题。",
  /** after a command in /help: its other names */
  helpAliases: (aliases: readonly string[]) =>
    `（也可用 ${aliases.map((a) => `/${a}`).join("、")}）`,
  /** before a command's example in /help */
  helpExample: "，例如 ",
  notACommand: "请输入命令，例如 /help 查看用法。",
  unknownCommand: (name: string) => `没有 /${name} 这个命令。发送 /help 查看所有命令。`,
  tooLong: (max: number) => `消息太长了（最多 ${max} 个字符），请精简后再发。`,
  noArgsExpected: (name: string) => `/${name} 不需要参数，直接发送 /${name} 即可。`,
  internalError: "抱歉，处理这条命令时出错了，请稍后再试。",
  /** the buttons under a /paper card */
  buttonAbs: "📄 arXiv",
  buttonPdf: "📥 PDF",
  buttonCode: "💻 代码",
  buttonWeb: "🌐 网页版",
  /** Discord: the "all" choice of /unsubscribe's autocomplete */
  unsubscribeAllChoice: "全部（all）",
  /** Discord: after a change in a channel where the bot cannot post digests */
  cannotPostHere:
    "⚠️ 机器人在这个频道缺少「查看频道」「发送消息」或「嵌入链接」权限，每日推送发不出来。请服务器管理员在频道设置里给机器人加上这些权限。",
  adminOnly: (command: string) =>
    `只有群管理员可以使用 /${command} 修改本群的推送。想要自己的订阅，可以在群里发送 /subscribe me <主题>（或 /follow me <作者>），也可以私聊机器人。`,

  // --- greeting (bot added to a chat) ---
  greetingGroup: (title: string | null) =>
    `大家好！我是论文速递，${title ? `已加入「${title}」，` : ""}每个 arXiv 公告日推送匹配订阅主题的新论文中文卡片。`,
  greetingPrivate:
    "你好！我是论文速递，每个 arXiv 公告日把你订阅主题的新论文写成中文卡片推送给你。",
  greetingHowTo:
    "先订阅一个主题试试：/subscribe 文生视频（管理员可操作）。发送 /topics 查看所有主题，/help 查看全部命令。",
  greetingBack: (n: number) => `欢迎回来！之前的 ${n} 个订阅仍然有效，发送 /list 查看。`,

  // --- input problems (shared by /subscribe and /unsubscribe; see also texts/topics.ts) ---
  topicUnknown: (input: string, suggestions: string[]) =>
    suggestions.length
      ? `没有找到主题「${input}」。你是不是想找：${suggestions.join("、")}？`
      : `没有找到主题「${input}」。`,
  topicRefused: (input: string) => `无法识别「${input}」。`,
  keywordHint: (input: string) => `如果确实想按关键词订阅，请加引号：/subscribe "${input}"`,
  tooManyItems: (max: number) => `一次最多处理 ${max} 项，请分几次发送。`,

  // --- /subscribe ---
  subscribeUsage:
    '用法：/subscribe <主题>\n例如：/subscribe 文生视频、/subscribe text-to-video、/subscribe cs.CV、/subscribe "diffusion transformer"\n一次订阅多个用逗号分隔：/subscribe 文生图，文生视频',
  subscribedTopic: (name: string, chapter: string) =>
    `✅ 已订阅主题「${name}」（归入「${chapter}」章节）。`,
  subscribedCategory: (category: string) =>
    `✅ 已订阅 arXiv 分类 ${category}：该分类的新论文都会推送。`,
  subscribedKeyword: (phrase: string) =>
    `✅ 已按关键词订阅「${phrase}」：标题、摘要或中文卡片里出现就推送。`,
  alreadySubscribed: (label: string) => `「${label}」已经订阅过了，无需重复订阅。`,
  subscriptionsFull: (max: number) => `订阅已达上限（${max} 个），请先用 /unsubscribe 取消一些。`,
  subscribeNext: (time: string, timezone: string) =>
    `每个 arXiv 公告日 ${time}（${timezone}）推送匹配的新论文；发送 /digest 立即查看最新一期。`,

  // --- /unsubscribe ---
  unsubscribeUsage:
    "用法：/unsubscribe <主题>、/unsubscribe <编号>（/list 里的序号），或 /unsubscribe all 取消全部。",
  unsubscribed: (labels: string[]) => `✅ 已取消订阅：${labels.join("、")}。`,
  unsubscribedAll: (labels: string[]) =>
    `✅ 已取消全部 ${labels.length} 个订阅：${labels.join("、")}。`,
  nothingToRemove: "当前没有任何订阅，无需取消。",
  notSubscribed: (input: string) => `当前没有订阅「${input}」。发送 /list 查看已订阅的内容。`,
  badIndex: (n: number) => `序号超出范围：当前共有 ${n} 个订阅，请用 /list 里的序号。`,

  // --- /list ---
  listTitle: "📋 本群订阅",
  listTitlePrivate: "📋 我的订阅",
  listEmpty: "还没有订阅。先试试：/subscribe 文生视频",
  listTime: (time: string, timezone: string) => `⏰ 每日推送：${time}（${timezone}）`,
  listFormat: (density: string, limit: number) => `📰 格式：${density}，每期最多 ${limit} 篇`,
  listPaused: "⏸ 已暂停推送，发送 /resume 恢复。",
  /** `quietDays`: the chat's own weekdays without a digest, e.g. 周六、周日 */
  listNext: (at: string, quietDays: string) =>
    `⏭ 下次推送：${at}（按 arXiv 的公告日程，${quietDays}和节假日没有推送）`,
  listCount: (n: number, max: number) => `共 ${n} 个订阅（上限 ${max}）`,

  // --- /topics ---
  topicsTitle: "🏷 可订阅的主题（按章节）",
  topicsFooter:
    '订阅示例：/subscribe 文生视频、/subscribe Agent、/subscribe cs.CV、/subscribe "speculative decoding"',

  // --- /paper ---
  paperUsage: "用法：/paper <arXiv id 或链接>，例如 /paper 2404.14469",
  paperInvalid: (forms: readonly string[]) =>
    `这不是有效的 arXiv id。支持的写法：${forms.join("、")}`,
  paperNotFound: (id: string) => `arXiv 上找不到 ${id}，请检查 id 是否正确。`,
  paperUnavailable: "暂时连不上 arXiv，请稍后再试。",
  paperRateLimited: (seconds: number) =>
    `查询太频繁了，请 ${seconds} 秒后再试（每人每分钟最多 10 次 /paper）。`,

  // --- /search ---
  searchUsage: "用法：/search <关键词>，例如 /search 扩散模型 或 /search speculative decoding",
  searchTooLong: (max: number) => `搜索词太长了，最多 ${max} 个字符。`,
  searchNothingUsable: "搜索词里没有可用的文字或数字，请换个说法。",
  searchNoHits: (query: string) => `没有找到与「${query}」相关的论文。`,
  searchEmptyStore: "还没有抓取到任何论文，暂时搜不到。等机器人抓取下一次 arXiv 公告后再试。",
  searchTitle: (query: string) => `🔎 「${query}」的搜索结果`,
  searchFooter: "发送 /paper <id> 查看完整卡片。",

  // --- /digest ---
  digestNoSubscriptions: "还没有订阅，先订阅一个主题：/subscribe 文生视频",
  digestNoAnnouncement: "还没有抓取到 arXiv 公告，稍后再试。",
  digestNothing: (date: string, total: number) =>
    `${date} 的 arXiv 公告（共 ${total} 篇）里没有匹配本群订阅的论文。`,

  // --- settings ---
  settimeUsage: "用法：/settime HH:MM [时区]，例如 /settime 09:00 或 /settime 08:00 Europe/Berlin",
  settimeInvalid: (input: string) =>
    `「${input}」不是有效的时间，请用 24 小时制 HH:MM，例如 09:00 或 21:30。`,
  timezoneInvalid: (input: string) =>
    `「${input}」不是有效的时区，请用 IANA 时区名，例如 Asia/Shanghai、Europe/Berlin、America/New_York。`,
  settimeDone: (time: string, timezone: string, next: string) =>
    `✅ 每日推送时间已设为 ${time}（${timezone}）。下次推送：${next}`,
  paused: "⏸ 已暂停每日推送，订阅都会保留。发送 /resume 恢复。",
  alreadyPaused: "推送本来就是暂停状态。发送 /resume 恢复。",
  resumed: (time: string, timezone: string) =>
    `▶️ 已恢复推送，每个 arXiv 公告日 ${time}（${timezone}）送达。`,
  alreadyResumed: "推送本来就在进行中，无需恢复。",
  setformatUsage:
    "用法：/setformat brief（每篇一行）或 /setformat full（完整卡片）；周报/月报可用 /setformat 表格 或 /setformat 标题",
  setformatDone: (density: string) => `✅ 推送格式已设为：${density}。`,
  setformatSame: (density: string) => `推送格式本来就是：${density}。`,
  setlimitUsage: (min: number, max: number) =>
    `用法：/setlimit <篇数>，${min} 到 ${max} 之间的整数，例如 /setlimit 10`,
  setlimitDone: (n: number) => `✅ 每期最多推送 ${n} 篇。`,
} as const;

// --- labels used in lists, cards and digests ---

/** Weekday names, Sunday first (as Date.getUTCDay counts). */
export const WEEKDAY = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"] as const;

export const DENSITY_LABEL = { full: "完整卡片", brief: "简版（每篇一行）" } as const;

export const KIND_LABEL = {
  topic: "主题",
  category: "分类",
  keyword: "关键词",
  author: "作者",
} as const;

// --- each command's help: menus (Telegram, Discord) and /help; keyed from src/commands/table.ts ---

/** A command's Chinese help, as menus (Telegram, Discord) and /help show it. */
export interface CommandHelp {
  /** ≤ 100 characters (Discord's limit; Telegram allows 256) */
  description: string;
  /** how to type it, e.g. "/subscribe <主题>" */
  usage: string;
  /** one example, shown in /help */
  example?: string;
  /** what its argument is, for platforms that declare options (Discord) */
  argument?: string;
}

/** Each command's help, by the key the command table (table.ts) names. */
export const COMMAND_HELP = {
  ...RANKING_HELP,
  start: { description: "开始使用：机器人能做什么", usage: "/start" },
  help: { description: "使用说明和示例", usage: "/help" },
  subscribe: {
    description: "订阅主题、arXiv 分类或关键词",
    usage: "/subscribe <主题>",
    example: "/subscribe 文生视频",
    argument: "主题名、别名、arXiv 分类或关键词",
  },
  unsubscribe: {
    description: "取消订阅（编号见 /list，all 取消全部）",
    usage: "/unsubscribe <主题>|<编号>|all",
    example: "/unsubscribe 文生视频",
    argument: "要取消的主题、序号，或 all",
  },
  list: { description: "查看订阅、推送时间和状态", usage: "/list" },
  topics: { description: "查看所有可订阅的主题", usage: "/topics" },
  paper: {
    description: "查看一篇论文的中文卡片",
    usage: "/paper <arXiv id 或链接>",
    example: "/paper 2404.14469",
    argument: "arXiv id 或链接，如 2404.14469",
  },
  deep: {
    description: "深读一篇论文：读全文写详细中文解读（研究背景、方法、实验数据等）",
    usage: "/deep <arXiv id 或链接>",
    example: "/deep 2404.14469",
    argument: "arXiv id 或链接，如 2404.14469",
  },
  ask: {
    description: "就一篇论文的全文提问，回答附原文出处",
    usage: "/ask <arXiv id> <问题>",
    example: "/ask 2404.14469 它和 H2O 有什么区别？",
    argument: "arXiv id 加问题，如 2404.14469 用了哪些数据集？",
  },
  digest: { description: "立即查看最新一期速递", usage: "/digest" },
  search: {
    description: "搜索已收录的论文和中文卡片",
    usage: "/search <关键词>",
    example: "/search 扩散模型",
    argument: "要搜索的词",
  },
  settime: {
    description: "设置每日推送时间（可加时区）",
    usage: "/settime HH:MM [时区]",
    example: "/settime 09:00",
    argument: "如 09:00，或 08:00 Europe/Berlin",
  },
  pause: { description: "暂停每日推送", usage: "/pause" },
  resume: { description: "恢复每日推送", usage: "/resume" },
  setformat: {
    description: "切换完整卡片（full）、简版（brief），或周报/月报的表格（表格）",
    usage: "/setformat brief|full|表格|标题",
    example: "/setformat brief",
    argument: "brief（每篇一行）、full（完整卡片）；周报/月报：表格 或 标题",
  },
  setfreq: {
    description: "选择日报、周报、月报（可用 + 组合）",
    usage: "/setfreq 日报|周报|月报",
    example: "/setfreq 日报+月报",
    argument: "日报、周报、月报，可用 + 组合",
  },
  report: {
    description: "查看周报或月报（可指定期数）",
    usage: "/report 周报|月报 [2024-W17|2024-04]",
    example: "/report 月报 2024-04",
    argument: "周报 或 月报，可加期数如 2024-W17、2024-04",
  },
  setlimit: {
    description: "设置每期最多推送几篇（1–30）",
    usage: "/setlimit <篇数>",
    example: "/setlimit 10",
    argument: "1 到 30 之间的整数",
  },
  feed: {
    description: "本聊天的 Atom 订阅地址（reset 重置）",
    usage: "/feed [reset]",
    example: "/feed",
    argument: "留空查看地址；reset 重置地址（旧地址失效）",
  },
} satisfies Record<string, CommandHelp>;

/** Labels of an argument's fixed choices (Discord shows them in a picker). */
export const CHOICE_LABELS: Record<string, string> = {
  reset: "reset（重置地址）",
  full: "full（完整卡片）",
  brief: "brief（每篇一行）",
  表格: "表格（周报/月报 TL;DR）",
  标题: "标题（周报/月报 标题 + 摘要）",
  bibtex: "bibtex（BibTeX 文件）",
  csv: "csv（表格文件）",
  on: "on（@ 我）",
  off: "off（只写名字）",
};
