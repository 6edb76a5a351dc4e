/**
 * The Chinese lines the CLI prints: `sudi topics` and `sudi demo`. Functions take the dynamic
 * parts.
 */

export const TOPICS_CLI = {
  title: (n: number) => `论文速递主题（共 ${n} 个，按章节分组）`,
  chapter: (name: string) => `【${name}】`,
  aliases: (aliases: readonly string[]) => `    别名：${aliases.join("、")}`,
  categories: (categories: readonly string[]) => `    arXiv 分类：${categories.join("、")}`,
  example: (command: string) => `    例：${command}`,
  footer: "也可以订阅 arXiv 分类（/subscribe cs.CV）或英文关键词（/subscribe diffusion model）。",
} as const;

export const DEMO = {
  chatTitle: "大模型技术分享群（演示）",
  banner: "== sudi demo：离线演示（样例数据 data/sample，不联网，不需要 API key）==\n",
  ingested: (date: string, fresh: number, cross: number, replaced: number) =>
    `1. 导入 arXiv ${date} 的公告：新论文 ${fresh} 篇，交叉列表 ${cross} 篇，更新 ${replaced} 篇`,
  cards: (written: number, fallbacks: number) =>
    `2. 中文卡片：共 ${written + fallbacks} 篇，${written} 篇用示例卡片（data/sample/cards.json），其余 ${fallbacks} 篇没有 LLM key，只附英文摘要（未配置 LLM）`,
  script: (title: string) => `3. 演示群「${title}」里，管理员依次发送：\n`,
  done: "演示结束：数据库在内存里，什么都没有写到磁盘。配置好 bot token 后运行 npm start。",
} as const;

export const CONSOLE = {
  /** after the console chat's greeting: where log lines go */
  logNotice: (path: string) => `（日志：提示符上方每条只显示一行，完整内容写入 ${path}）`,
} as const;
