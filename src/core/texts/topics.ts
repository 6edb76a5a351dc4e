/**
 * The Chinese answers to a topic, category or keyword a user typed that cannot be used
 * (src/topics/input.ts and src/topics/errors.ts decide which one).
 */

export const TOPIC = {
  empty: "请在命令后写上主题，例如：/subscribe 文生视频",
  tooLong: (max: number) => `太长了：主题或关键词最多 ${max} 个字符。`,
  invisible: "输入里有不可见字符（零宽字符或文字方向控制符），请删掉后重新输入。",
  characters:
    "主题或关键词只能包含文字、数字、空格和 - . / + ( ) & 这些符号，不能有表情、HTML 或其他特殊符号。",
  keywordTooShort: (min: number) => `关键词太短，至少 ${min} 个字符，否则几乎每篇论文都会匹配。`,
  notACategory: (input: string) =>
    `「${input}」不是 arXiv 的分类。分类的写法如 cs.CV、cs.CL、eess.AS、stat.ML。`,
  unknown: (input: string, suggestions: readonly string[]) =>
    suggestions.length > 0
      ? `没有找到主题「${input}」。你是不是想找：${suggestions.join("、")}？`
      : `没有找到主题「${input}」。可以发送 /topics 查看全部主题；英文关键词（如 diffusion model）也可以直接订阅。`,
} as const;
