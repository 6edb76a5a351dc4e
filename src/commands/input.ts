/**
 * What a user typed, made safe to act on: the command word split from its argument, full-width
 * characters folded (NFKC: ／ → /, ０９：００ → 09:00), and the argument checks every command
 * shares. A check returns a typed refusal instead of throwing, so the handler answers it in
 * Chinese and changes nothing.
 */

/** The longest message sudi reads at all; longer text is refused before any parsing. */
export const MAX_MESSAGE_LENGTH = 2000;
/** The longest topic, category or keyword a subscription may hold (as src/topics refuses). */
export const MAX_TOPIC_LENGTH = 64;
/** The shortest keyword: one- or two-letter keywords would match nearly every paper. */
export const MIN_KEYWORD_LENGTH = 2;

export interface ParsedCommand {
  /** lower-case command name without the slash, e.g. "subscribe" */
  name: string;
  /** the rest of the line, trimmed ("" when none) */
  args: string;
}

/**
 * Controls (\p{Cc}) and format characters (\p{Cf}: zero-width, bidi overrides, BOM). Line
 * breaks and tabs are visible enough; they are refused as characters a topic cannot hold.
 */
const INVISIBLE = /(?![\t\n\r])[\p{Cc}\p{Cf}]/u;
const INVISIBLE_ALL = /[\p{Cc}\p{Cf}]/gu;
/** Letters, marks, digits, spaces and the punctuation topic names and categories use. */
const TOPIC_TEXT = /^[\p{L}\p{M}\p{N} .\-+/()&_]+$/u;

/** Folds full-width forms and compatibility characters, and trims. */
export function normalise(text: string): string {
  return text.normalize("NFKC").trim();
}

/**
 * Splits "/subscribe 文生视频" into name and argument. Null when the text is not a command
 * (does not start with a slash followed by a name). Invisible characters before the slash are
 * dropped, so a stray zero-width space does not turn /list into a non-command.
 */
export function parseCommand(text: string): ParsedCommand | null {
  const folded = normalise(text).replace(/^[\p{Cf}\s]+/u, "");
  // Invisible characters after the command word stay in the argument, where they are refused.
  const m = COMMAND.exec(folded);
  if (!m) return null;
  return { name: (m[1] ?? "").toLowerCase(), args: (m[2] ?? "").trim() };
}

/** "/name", an optional "@bot", then whitespace (or an invisible character) and the argument. */
const COMMAND =
  /^\/([A-Za-z][A-Za-z0-9_]{0,31})(?:@[A-Za-z0-9_]+)?(?:(?:\s+|(?=\p{Cf}))([\s\S]*))?$/u;

export type TextProblem = "empty" | "too_long" | "invisible" | "characters" | "too_short";

/** Why a topic/keyword argument cannot be used, or null when it can. */
export function topicTextProblem(text: string): TextProblem | null {
  if (text.length === 0) return "empty";
  if (Array.from(text).length > MAX_TOPIC_LENGTH) return "too_long";
  if (INVISIBLE.test(text)) return "invisible";
  if (!TOPIC_TEXT.test(text) || !/[\p{L}\p{N}]/u.test(text)) return "characters";
  return null;
}

/** Whether a keyword phrase is long enough to mean something. */
export function keywordLongEnough(phrase: string): boolean {
  return Array.from(phrase.replace(/\s+/g, "")).length >= MIN_KEYWORD_LENGTH;
}

/** A keyword as subscriptions store it: folded, lower-case, single spaces. */
export function keywordValue(phrase: string): string {
  return normalise(phrase).toLowerCase().replace(/\s+/g, " ");
}

/**
 * Splits an argument holding several topics ("文生视频，文生图" or "文生视频, 文生图"). A
 * plain space does not split, since keyword phrases ("diffusion transformer") contain spaces.
 */
export function splitList(args: string): string[] {
  return args
    .split(/[,，、]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A quoted argument ("..." or 「...」) asks for a keyword subscription, whatever it resembles. */
export function unquote(text: string): { text: string; quoted: boolean } {
  const m = /^(?:"(.*)"|“(.*)”|「(.*)」|『(.*)』|'(.*)')$/su.exec(text);
  if (!m) return { text, quoted: false };
  const inner = m.slice(1).find((g) => g !== undefined) ?? "";
  return { text: inner.trim(), quoted: true };
}

/** Text safe to echo back in a reply: invisible characters dropped, length capped. */
export function echo(text: string, max = 40): string {
  const visible = text.replace(INVISIBLE_ALL, "");
  const chars = Array.from(visible);
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : visible;
}
