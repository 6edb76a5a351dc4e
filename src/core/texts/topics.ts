/**
 * The Chinese sentences of topic input errors (src/topics/errors.ts decides which one).
 */

export const TOPIC = {
  empty:
    "请写上要订阅的主题：主题名（文生视频）、别名（text-to-video）、arXiv 分类（cs.CV）或英文关键词（diffusion model）。",
  tooLong: (max: number) => `主题太长了，最多 ${max} 个字符。`,
  controlChars: "主题里有看不见的控制字符（零宽字符、方向控制符等），请删掉后重新输入。",
  notACategory: (input: string) =>
    `「${input}」不是 arXiv 的分类。分类的写法如 cs.CV、cs.CL、eess.AS、stat.ML。`,
  unknown: (input: string, suggestions: readonly string[]) =>
    suggestions.length > 0
      ? `没有找到主题「${input}」。你是不是想找：${suggestions.join("、")}？`
      : `没有找到主题「${input}」。可以发送 /topics 查看全部主题；英文关键词（如 diffusion model）也可以直接订阅。`,
} as const;
