/**
 * Telegram rendering: a RichMessage as text for `parse_mode: "HTML"`, using only the tags
 * Telegram accepts (b, i, code, a href) with every dynamic string escaped, so a title holding
 * `<script>`, `&amp;` or `</b>` shows literally. Telegram's 4096 limit applies to the text
 * after entity parsing, counted in UTF-16 code units; `telegramLength` measures exactly that,
 * and `splitTelegram` keeps every part within it without cutting a card or a tag.
 */
import {
  allButtons,
  allLines,
  type Block,
  type Button,
  type Line,
  markCards,
  type RichMessage,
  type Span,
} from "../../src/core/message.ts";
import { safeUrl } from "../../src/core/url.ts";
import { lineToPlainText } from "../../src/digest/render/text.ts";
import { splitMessage } from "../../src/digest/split.ts";

/** Telegram's limit on one message's text, after entity parsing, in UTF-16 code units. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Telegram's limit on a callback button's data, in UTF-8 bytes. */
export const TELEGRAM_CALLBACK_DATA_LIMIT = 64;
/** Telegram's limit on the buttons of one inline keyboard. */
export const TELEGRAM_BUTTON_LIMIT = 100;

/** Telegram's inline keyboard, as the Bot API takes it in `reply_markup`. */
export type TelegramInlineButton =
  | { text: string; url: string }
  | { text: string; callback_data: string };
export interface TelegramInlineKeyboard {
  inline_keyboard: TelegramInlineButton[][];
}

const BUTTONS_PER_ROW = 3;

/**
 * Lone UTF-16 surrogates cannot be encoded as UTF-8, and Telegram rejects the whole message
 * for one; they become U+FFFD.
 */
function wellFormed(text: string): string {
  return text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD",
  );
}

/** Escapes text for Telegram HTML: `&`, `<` and `>` (Telegram knows no other named entity). */
export function escapeTelegramHtml(text: string): string {
  return wellFormed(text).replace(/[&<>]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;",
  );
}

function escapeAttribute(text: string): string {
  return escapeTelegramHtml(text).replace(/"/g, "&quot;");
}

/**
 * One span. A text link cannot contain a code entity on Telegram, so a span that is both a link
 * and code renders as a link; bold and italic may wrap anything.
 */
function spanToTelegram(s: Span): string {
  if (!s.text) return "";
  let out = escapeTelegramHtml(s.text);
  const href = safeUrl(s.href);
  if (s.mention && /^\d+$/.test(s.mention)) out = `<a href="tg://user?id=${s.mention}">${out}</a>`;
  else if (href) out = `<a href="${escapeAttribute(href)}">${out}</a>`;
  else if (s.code) out = `<code>${out}</code>`;
  if (s.italic) out = `<i>${out}</i>`;
  if (s.bold) out = `<b>${out}</b>`;
  return out;
}

function linesOf(block: Block): Line[] {
  return [...(block.title ? [block.title] : []), ...block.lines];
}

const lineToTelegram = (line: Line): string => line.map(spanToTelegram).join("");

/** A field: its name in bold, then its lines; a `fold` field in an expandable quote. */
function fieldToTelegram(field: NonNullable<Block["fields"]>[number]): string {
  const body = field.lines.map(lineToTelegram).join("\n");
  const name = `<b>${escapeTelegramHtml(field.name)}</b>`;
  return field.fold ? `${name}\n<blockquote expandable>${body}</blockquote>` : `${name}\n${body}`;
}

/** The message as Telegram HTML: lines joined by newlines, blocks by a blank line. */
export function toTelegramHtml(unmarked: RichMessage): string {
  return markCards(unmarked)
    .blocks.map((b) =>
      [linesOf(b).map(lineToTelegram).join("\n"), ...(b.fields ?? []).map(fieldToTelegram)]
        .filter(Boolean)
        .join("\n"),
    )
    .join("\n\n");
}

/**
 * The message as plain text, for resending without parse_mode when Telegram refused the HTML.
 * Every link keeps its URL after its text when that fits. When it does not (a full part has
 * no room for ten URLs), each block keeps its first link, the paper's arXiv page, as a bare
 * URL in place of its text ("arxiv.org/abs/2404.14469", which Telegram links by itself), and
 * the longest lines without a URL are shortened with "…" until the text fits: a reader loses
 * some words of a summary, never the way to the paper.
 */
export function toTelegramPlainText(message: RichMessage): string {
  const blocks = markCards(message).blocks.map(allLines);
  const join = (rendered: string[][]) =>
    wellFormed(rendered.map((lines) => lines.join("\n")).join("\n\n"));
  const withUrls = join(blocks.map((lines) => lines.map(lineToPlainText)));
  if (withUrls.length <= TELEGRAM_TEXT_LIMIT) return withUrls;

  const hasUrl: boolean[][] = [];
  const rendered = blocks.map((lines) => {
    let kept = false;
    const flags: boolean[] = [];
    hasUrl.push(flags);
    return lines.map((line) => {
      let url = false;
      const text = line
        .map((s) => {
          if (!s.href || kept) return s.text;
          kept = url = true;
          return s.href.replace(/^https?:\/\//, "");
        })
        .join("");
      flags.push(url);
      return text;
    });
  });
  let text = join(rendered);
  while (text.length > TELEGRAM_TEXT_LIMIT) {
    // the longest line without a URL, shortened by what is over (a split surrogate becomes
    // U+FFFD through wellFormed)
    let at: [number, number] | null = null;
    let longest = MIN_SHORTENED;
    for (const [b, lines] of rendered.entries()) {
      for (const [l, line] of lines.entries()) {
        if (!hasUrl[b]?.[l] && line.length > longest) [at, longest] = [[b, l], line.length];
      }
    }
    if (!at) break;
    const lines = rendered[at[0]] as string[];
    const keep = Math.max(MIN_SHORTENED - 1, longest - (text.length - TELEGRAM_TEXT_LIMIT) - 1);
    lines[at[1]] = `${(lines[at[1]] as string).slice(0, keep)}…`;
    text = join(rendered);
  }
  return text.length <= TELEGRAM_TEXT_LIMIT ? text : `${text.slice(0, TELEGRAM_TEXT_LIMIT - 1)}…`;
}

/** A line shortened for the plain-text resend keeps at least this many characters. */
const MIN_SHORTENED = 24;

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

function decodeEntity(name: string): string | undefined {
  if (name.startsWith("#")) {
    const hex = name[1] === "x" || name[1] === "X";
    const code = Number.parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
    if (!Number.isFinite(code) || code <= 0 || code >= 0x10ffff) return undefined;
    return String.fromCodePoint(code);
  }
  return NAMED_ENTITIES[name];
}

/**
 * The text Telegram shows for `html`: tags removed, the entities Telegram knows decoded
 * (&lt; &gt; &amp; &quot; and numeric ones; any other `&` stays as it is).
 */
export function telegramVisibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?/g, (whole, name: string) => {
      return decodeEntity(name) ?? whole;
    });
}

/** What Telegram counts against its 4096 limit: UTF-16 code units of the visible text. */
export function telegramLength(html: string): number {
  return telegramVisibleText(html).length;
}

/**
 * Splits a message into parts that each fit one Telegram message, never cutting a card: within
 * 4096 characters and, with the cards' button rows, 100 buttons.
 */
export function splitTelegram(message: RichMessage): RichMessage[] {
  return splitMessage(
    message,
    (m) =>
      allButtons(m).length > TELEGRAM_BUTTON_LIMIT
        ? Number.POSITIVE_INFINITY
        : telegramLength(toTelegramHtml(m)),
    TELEGRAM_TEXT_LIMIT,
  );
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function toTelegramButton(button: Button): TelegramInlineButton | undefined {
  const text = wellFormed(button.label).trim();
  if (!text) return undefined;
  const url = safeUrl(button.url);
  if (url) return { text, url };
  const data = button.press ?? button.command;
  if (data && utf8Bytes(data) <= TELEGRAM_CALLBACK_DATA_LIMIT) {
    return { text, callback_data: data };
  }
  return undefined;
}

function usable(buttons: readonly Button[]): TelegramInlineButton[] {
  return buttons.flatMap((b) => {
    const button = toTelegramButton(b);
    return button ? [button] : [];
  });
}

/**
 * A message's inline keyboard: one compact row per card that has buttons (①👍 ①👎 ①⭐ ①深读),
 * then the message's own buttons three to a row. URL buttons open the link; command and press
 * buttons carry their data as callback data. A button Telegram would refuse (no usable URL,
 * data over 64 bytes) is left out rather than failing the whole message; past 100 buttons the
 * rest are dropped (the splitter keeps digest parts under that).
 */
export function toTelegramKeyboard(
  message: Pick<RichMessage, "blocks" | "buttons"> | Button[] | undefined,
): TelegramInlineKeyboard | undefined {
  const parts = Array.isArray(message)
    ? { blocks: [], buttons: message }
    : message && markCards(message);
  const rows: TelegramInlineButton[][] = [];
  for (const block of parts?.blocks ?? []) {
    const row = usable(block.buttons ?? []);
    if (row.length) rows.push(row);
  }
  const own = usable(parts?.buttons ?? []);
  for (let i = 0; i < own.length; i += BUTTONS_PER_ROW) {
    rows.push(own.slice(i, i + BUTTONS_PER_ROW));
  }
  let budget = TELEGRAM_BUTTON_LIMIT;
  const capped = rows.flatMap((row) => {
    const kept = row.slice(0, Math.max(0, budget));
    budget -= kept.length;
    return kept.length ? [kept] : [];
  });
  return capped.length ? { inline_keyboard: capped } : undefined;
}
