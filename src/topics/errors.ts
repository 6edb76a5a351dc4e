/**
 * Why a topic a user typed was refused, as a typed error: the chat command decides on `reason`,
 * shows `message` (Chinese) and may offer `suggestions` as buttons.
 */
import { looksLikeCategory } from "./categories.ts";
import type { Topic } from "./taxonomy.ts";

export type TopicInputReason = "empty" | "too_long" | "control_chars" | "unknown";

/** The longest topic, category or keyword phrase accepted, in characters. */
export const MAX_TOPIC_INPUT = 64;

function messageFor(reason: TopicInputReason, input: string, suggestions: Topic[]): string {
  switch (reason) {
    case "empty":
      return "请写上要订阅的主题：主题名（文生视频）、别名（text-to-video）、arXiv 分类（cs.CV）或英文关键词（diffusion model）。";
    case "too_long":
      return `主题太长了，最多 ${MAX_TOPIC_INPUT} 个字符。`;
    case "control_chars":
      return "主题里有看不见的控制字符（零宽字符、方向控制符等），请删掉后重新输入。";
    case "unknown": {
      if (looksLikeCategory(input)) {
        return `「${input}」不是 arXiv 的分类。分类的写法如 cs.CV、cs.CL、eess.AS、stat.ML。`;
      }
      const head = `没有找到主题「${input}」。`;
      if (suggestions.length > 0) {
        return `${head}你是不是想找：${suggestions.map((t) => t.name).join("、")}？`;
      }
      return `${head}可以发送 /topics 查看全部主题；英文关键词（如 diffusion model）也可以直接订阅。`;
    }
  }
}

export class TopicInputError extends Error {
  constructor(
    readonly reason: TopicInputReason,
    /** what the user typed, whitespace collapsed and cut to MAX_TOPIC_INPUT characters */
    readonly input: string,
    /** close topics, best first; empty when nothing is close */
    readonly suggestions: Topic[] = [],
  ) {
    super(messageFor(reason, input, suggestions));
    this.name = "TopicInputError";
  }
}
