/**
 * Checks what the LLM wrote before it becomes a card: JSON, the zod schema, topic ids that
 * exist, plain text (no URL, HTML or Markdown link: output is untrusted too, and a
 * prompt-injected abstract shows up here first) and Chinese where Chinese is required.
 * Problems are listed in words the model can act on, since they are sent back once to repair.
 */
import { type LlmCard, LlmCardSchema } from "./card.ts";

/** The output broke one or more rules; `problems` is what the repair request quotes. */
export class CardOutputError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid card output: ${problems.join("; ")}`);
    this.name = "CardOutputError";
  }
}

/** Fields that must be written in Chinese. */
const CHINESE_FIELDS = [
  "title_zh",
  "tldr",
  "motivation",
  "method",
  "results",
  "score_reason",
] as const;

const URL_LIKE =
  /\b(?:https?|ftp|javascript|data):|\bwww\.|\b[\w-]+\.(?:com|org|net|io|ai|cn|dev|app|edu|html?)\b/i;
const HTML_TAG = /<\/?[a-z][^<>]*>|&(?:[a-z]+|#\d+|#x[\da-f]+);/i;
const MARKDOWN_LINK = /!?\[[^\]\n]*\]\([^)\n]*\)|\[[^\]\n]+\]\[[^\]\n]*\]|<[a-z]+:[^>\s]*>/i;

/** Han characters, and Latin words, in a text. */
function scriptCounts(text: string): { han: number; latinWords: number } {
  return {
    han: text.match(/\p{Script=Han}/gu)?.length ?? 0,
    latinWords: text.match(/[A-Za-z]+/g)?.length ?? 0,
  };
}

/** Chinese prose may keep English terms, but must be mostly Chinese. */
export function isChinese(text: string): boolean {
  const { han, latinWords } = scriptCounts(text);
  return han >= 2 && han >= latinWords * 0.5;
}

/** A problem with plain-text rules in one field, or null. */
export function markupProblem(text: string): string | null {
  if (URL_LIKE.test(text)) return "含有网址或链接";
  if (HTML_TAG.test(text)) return "含有 HTML 标签或实体";
  if (MARKDOWN_LINK.test(text)) return "含有 Markdown 链接";
  return null;
}

/** The JSON object inside a reply: tolerates a <think> preamble and code fences. */
function extractJson(content: string): unknown {
  const text = content.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) throw new CardOutputError(["输出不是 JSON 对象"]);
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    throw new CardOutputError(["输出不是合法的 JSON"]);
  }
}

/** Parses and checks the model's reply; throws CardOutputError listing every problem. */
export function parseCardOutput(content: string, topicIds: ReadonlySet<string>): LlmCard {
  const parsed = LlmCardSchema.safeParse(extractJson(content));
  if (!parsed.success) {
    throw new CardOutputError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "JSON"}：${i.message}`),
    );
  }
  const card = parsed.data;
  const problems: string[] = [];

  const unknown = card.topics.filter((t) => !topicIds.has(t));
  if (unknown.length > 0) problems.push(`topics：${unknown.join("、")} 不在主题列表里`);
  card.topics = [...new Set(card.topics)];

  const texts: [string, string][] = [
    ...CHINESE_FIELDS.map((f): [string, string] => [f, card[f]]),
    ...card.keywords.map((k, i): [string, string] => [`keywords.${i}`, k]),
  ];
  for (const [field, text] of texts) {
    const problem = markupProblem(text);
    if (problem) problems.push(`${field}：${problem}`);
  }
  for (const field of CHINESE_FIELDS) {
    if (!isChinese(card[field])) problems.push(`${field}：要用中文写`);
  }
  if (problems.length > 0) throw new CardOutputError(problems);
  card.keywords = [...new Set(card.keywords)];
  return card;
}
