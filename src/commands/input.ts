/**
 * What a user typed, made safe to act on: the command word split from its argument, full-width
 * characters folded (NFKC: ／ → /, ０９：００ → 09:00), lists split and quotes read. The rules
 * for a topic or keyword argument are src/topics/input.ts.
 */
import { toSimplified } from "../topics/normalise.ts";

/** The longest message sudi reads at all; longer text is refused before any parsing. */
export const MAX_MESSAGE_LENGTH = 2000;

export interface ParsedCommand {
  /** lower-case command name without the slash, e.g. "subscribe" */
  name: string;
  /** the rest of the line, trimmed ("" when none) */
  args: string;
}

/** Controls and format characters (zero-width, bidi overrides), dropped before echoing. */
const INVISIBLE_ALL = /[\p{Cc}\p{Cf}]/gu;

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

/**
 * A keyword as subscriptions and mutes store it: folded like topic names (width, case,
 * traditional → simplified), single spaces. A traditional-script keyword thus matches the
 * simplified cards.
 */
export function keywordValue(phrase: string): string {
  return toSimplified(normalise(phrase).toLowerCase()).replace(/\s+/g, " ");
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
