/**
 * Each chat command's Chinese help: its description (menus: Telegram's setMyCommands, Discord's
 * slash commands), how to type it, an example and what its argument is. The command table
 * (src/commands/table.ts) names each entry by key; the replies live in commands.ts.
 */

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
  start: { description: "开始使用：机器人能做什么", usage: "/start" },
  help: { description: "使用说明和示例", usage: "/help" },
  subscribe: {
    description: "订阅主题、arXiv 分类或关键词",
    usage: "/subscribe <主题>",
    example: "/subscribe 文生视频",
    argument: "主题名、别名、arXiv 分类或关键词",
  },
  unsubscribe: {
    description: "取消订阅（all 取消全部）",
    usage: "/unsubscribe <主题>|all",
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
    description: "切换完整卡片（full）或简版（brief）",
    usage: "/setformat brief|full",
    example: "/setformat brief",
    argument: "brief（每篇一行）或 full（完整卡片）",
  },
  setlimit: {
    description: "设置每期最多推送几篇（1–30）",
    usage: "/setlimit <篇数>",
    example: "/setlimit 10",
    argument: "1 到 30 之间的整数",
  },
} satisfies Record<string, CommandHelp>;

/** Labels of an argument's fixed choices (Discord shows them in a picker). */
export const CHOICE_LABELS: Record<string, string> = {
  full: "full（完整卡片）",
  brief: "brief（每篇一行）",
};
