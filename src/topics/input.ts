/**
 * The one set of rules for a topic, category or keyword a user types: at most 64 characters,
 * no invisible characters, only the characters topic names use, and keywords of at least 2.
 * /subscribe and /unsubscribe check them first; resolveTopic (src/topics/resolve.ts) applies
 * the same ones to whatever reaches it directly. The Chinese answers are in
 * src/core/texts/topics.ts.
 */
import { TOPIC } from "../core/texts/topics.ts";

/** The longest topic, category or keyword a subscription may hold, in characters. */
export const MAX_TOPIC_LENGTH = 64;
/** The shortest keyword: one-letter keywords would match nearly every paper. */
export const MIN_KEYWORD_LENGTH = 2;

export type TopicTextProblem = "empty" | "too_long" | "invisible" | "characters" | "too_short";

/**
 * Controls (\p{Cc}) and format characters (\p{Cf}: zero-width, bidi overrides, BOM): they make
 * two equal-looking inputs differ. Line breaks and tabs are ordinary whitespace.
 */
export const INVISIBLE = /(?![\t\n\r])[\p{Cc}\p{Cf}]/u;
/** Letters, marks, digits, spaces and the punctuation topic names and categories use. */
const TOPIC_TEXT = /^[\p{L}\p{M}\p{N} .\-+/()&_]+$/u;

/** The checks every input passes before it is looked up: empty, too long, invisible. */
export function inputProblem(text: string): "empty" | "too_long" | "invisible" | null {
  if (INVISIBLE.test(text)) return "invisible";
  const collapsed = text.replace(/\s+/gu, " ").trim();
  if (collapsed === "") return "empty";
  if (Array.from(collapsed).length > MAX_TOPIC_LENGTH) return "too_long";
  return null;
}

/** Why a topic/keyword argument of a command cannot be used, or null when it can. */
export function topicTextProblem(text: string): TopicTextProblem | null {
  const problem = inputProblem(text);
  if (problem) return problem;
  if (!TOPIC_TEXT.test(text) || !/[\p{L}\p{N}]/u.test(text)) return "characters";
  return null;
}

/** Whether a keyword phrase is long enough to mean something. */
export function keywordLongEnough(phrase: string): boolean {
  return Array.from(phrase.replace(/\s+/g, "")).length >= MIN_KEYWORD_LENGTH;
}

/** The Chinese answer to a problem. */
export function topicProblemText(problem: TopicTextProblem): string {
  switch (problem) {
    case "empty":
      return TOPIC.empty;
    case "too_long":
      return TOPIC.tooLong(MAX_TOPIC_LENGTH);
    case "invisible":
      return TOPIC.invisible;
    case "characters":
      return TOPIC.characters;
    case "too_short":
      return TOPIC.keywordTooShort(MIN_KEYWORD_LENGTH);
  }
}
