/**
 * A tokenizer approximation, for budgets and for providers whose answers carry no `usage`.
 * It is deliberately on the high side for Chinese: one token per CJK character (GPT-4o's
 * tokenizer needs about 0.8, DeepSeek and Qwen about 0.6) and one per four characters of
 * anything else (OpenAI's rule of thumb for English), plus a few tokens per chat message.
 */

const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/gu;

/** Estimated tokens of a text. */
export function estimateTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  const rest = text.replace(CJK, "").replace(/\s+/g, " ").trim();
  return cjk + Math.ceil(rest.length / 4);
}

/** Estimated prompt tokens of a chat request: text plus about 4 tokens of framing a message. */
export function estimateChatTokens(messages: { content: string }[]): number {
  return messages.reduce((sum, m) => sum + 4 + estimateTokens(m.content), 3);
}
