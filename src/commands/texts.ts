/**
 * The chat commands as menus and /help list them (Telegram setMyCommands, Discord slash
 * commands). The replies themselves live in src/core/texts/commands.ts.
 */

/** One chat command, as menus (Telegram setMyCommands, Discord slash commands) list it. */
export interface CommandInfo {
  /** lower-case, a-z and _, ≤ 32 characters (both platforms' rule) */
  name: string;
  /** Chinese, ≤ 100 characters (Discord's limit; Telegram allows 256) */
  description: string;
  /** how to type it, e.g. "/subscribe <主题>" */
  usage: string;
  /** one example, shown in /help */
  example?: string;
  /** the argument, for platforms that declare options (Discord) */
  argument?: { name: string; description: string; required: boolean };
  /** other names that run the same command */
  aliases?: string[];
  /** whether it changes what the chat receives (admins only in groups) */
  adminOnly: boolean;
}

export const COMMANDS: readonly CommandInfo[] = [
  {
    name: "start",
    description: "开始使用：机器人能做什么",
    usage: "/start",
    adminOnly: false,
  },
  { name: "help", description: "使用说明和示例", usage: "/help", adminOnly: false },
  {
    name: "subscribe",
    description: "订阅主题、arXiv 分类或关键词",
    usage: "/subscribe <主题>",
    example: "/subscribe 文生视频",
    argument: { name: "topic", description: "主题名、别名、arXiv 分类或关键词", required: true },
    aliases: ["sub"],
    adminOnly: true,
  },
  {
    name: "unsubscribe",
    description: "取消订阅（all 取消全部）",
    usage: "/unsubscribe <主题>|all",
    example: "/unsubscribe 文生视频",
    argument: { name: "topic", description: "要取消的主题、序号，或 all", required: true },
    aliases: ["unsub"],
    adminOnly: true,
  },
  {
    name: "list",
    description: "查看订阅、推送时间和状态",
    usage: "/list",
    adminOnly: false,
  },
  { name: "topics", description: "查看所有可订阅的主题", usage: "/topics", adminOnly: false },
  {
    name: "paper",
    description: "查看一篇论文的中文卡片",
    usage: "/paper <arXiv id 或链接>",
    example: "/paper 2404.14469",
    argument: { name: "id", description: "arXiv id 或链接，如 2404.14469", required: true },
    adminOnly: false,
  },
  {
    name: "digest",
    description: "立即查看最新一期速递",
    usage: "/digest",
    adminOnly: true,
  },
  {
    name: "search",
    description: "搜索已收录的论文和中文卡片",
    usage: "/search <关键词>",
    example: "/search 扩散模型",
    argument: { name: "words", description: "要搜索的词", required: true },
    adminOnly: false,
  },
  {
    name: "settime",
    description: "设置每日推送时间（可加时区）",
    usage: "/settime HH:MM [时区]",
    example: "/settime 09:00",
    argument: { name: "time", description: "如 09:00，或 08:00 Europe/Berlin", required: true },
    adminOnly: true,
  },
  { name: "pause", description: "暂停每日推送", usage: "/pause", adminOnly: true },
  { name: "resume", description: "恢复每日推送", usage: "/resume", adminOnly: true },
  {
    name: "setformat",
    description: "切换完整卡片（full）或简版（brief）",
    usage: "/setformat brief|full",
    example: "/setformat brief",
    argument: {
      name: "format",
      description: "brief（每篇一行）或 full（完整卡片）",
      required: true,
    },
    adminOnly: true,
  },
  {
    name: "setlimit",
    description: "设置每期最多推送几篇（1–30）",
    usage: "/setlimit <篇数>",
    example: "/setlimit 10",
    argument: { name: "count", description: "1 到 30 之间的整数", required: true },
    adminOnly: true,
  },
];
