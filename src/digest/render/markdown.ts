/**
 * CommonMark rendering (`sudi digest --format markdown`, and any Markdown-speaking platform).
 * Every span's text is escaped, so a title holding `<script>`, `**` or `[x](y)` shows
 * literally; formatting comes only from the model's bold/italic/code/link flags.
 */
import type { Block, Line, RichMessage, Span } from "../../core/message.ts";
import { markCards } from "../../core/message.ts";
import { safeUrl } from "../../core/url.ts";

/** ASCII punctuation that can start or end Markdown syntax anywhere in a line. */
const INLINE_SPECIALS = /[\\`*_[\]()<>&~|!#]/g;

/** Escapes text so CommonMark shows it literally. */
export function escapeMarkdown(text: string): string {
  return text.replace(INLINE_SPECIALS, (c) => `\\${c}`);
}

/** A line that starts like a list item, heading, quote or thematic break would become one. */
function escapeLineStart(rendered: string): string {
  return rendered.replace(/^(\s*)([-+=]|\d+(?=[.)]))/, (_m, space: string, lead: string) =>
    /^\d/.test(lead) ? `${space}${lead}\\` : `${space}\\${lead}`,
  );
}

function codeSpan(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function spanToMarkdown(s: Span): string {
  const href = safeUrl(s.href);
  if (s.code) {
    const c = codeSpan(s.text);
    return href ? `[${c}](${href})` : c;
  }
  // Emphasis cannot wrap leading or trailing spaces, so they stay outside the markers.
  const [, lead = "", core = "", trail = ""] = /^(\s*)(.*?)(\s*)$/su.exec(s.text) ?? [];
  if (!core) return s.text;
  let out = escapeMarkdown(core);
  if (href) out = `[${out}](${href})`;
  if (s.italic) out = `*${out}*`;
  if (s.bold) out = `**${out}**`;
  return `${lead}${out}${trail}`;
}

export function lineToMarkdown(line: Line): string {
  return escapeLineStart(line.map(spanToMarkdown).join(""));
}

function blockToMarkdown(block: Block): string {
  // Two trailing spaces would be invisible; a backslash is CommonMark's explicit line break.
  const head = [...(block.title ? [block.title] : []), ...block.lines]
    .map(lineToMarkdown)
    .join("\\\n");
  // fields: a bold name, then its lines as a quote
  const fields = (block.fields ?? []).map(
    (f) =>
      `**${escapeMarkdown(f.name)}**\n\n${f.lines.map((l) => `> ${lineToMarkdown(l)}`).join("\\\n")}`,
  );
  return [head, ...fields].filter(Boolean).join("\n\n");
}

/** The message as CommonMark: blocks as paragraphs, buttons as a list of links or commands. */
export function toMarkdown(unmarked: RichMessage): string {
  const message = markCards(unmarked);
  const parts = message.blocks.map(blockToMarkdown);
  if (message.buttons?.length) {
    parts.push(
      message.buttons
        .map((b) => {
          const url = safeUrl(b.url);
          return url
            ? `- [${escapeMarkdown(b.label)}](${url})`
            : `- ${escapeMarkdown(b.label)}: ${codeSpan(b.command ?? "")}`;
        })
        .join("\n"),
    );
  }
  return parts.join("\n\n");
}
