/**
 * HTML rendering for `sudi digest --format html`: a fragment of <p>, <b>, <i>, <code> and
 * <a>, every dynamic string escaped (text and attribute), so a title holding `<script>` or
 * `&amp;` shows literally. Telegram's HTML dialect lives in bots/telegram/render.ts.
 */
import type { Block, Line, RichMessage, Span } from "../../core/message.ts";
import { markCards } from "../../core/message.ts";
import { safeUrl } from "../../core/url.ts";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function spanToHtml(s: Span): string {
  let out = escapeHtml(s.text);
  if (s.code) out = `<code>${out}</code>`;
  if (s.italic) out = `<i>${out}</i>`;
  if (s.bold) out = `<b>${out}</b>`;
  const href = safeUrl(s.href);
  if (href) out = `<a href="${escapeHtml(href)}" rel="noopener">${out}</a>`;
  return out;
}

function lineToHtml(line: Line): string {
  return line.map(spanToHtml).join("");
}

function blockToHtml(block: Block): string {
  const lines = [...(block.title ? [block.title] : []), ...block.lines].map(lineToHtml);
  const id = block.paperId ? ` data-paper="${escapeHtml(block.paperId)}"` : "";
  const fields = (block.fields ?? []).map(
    (f) =>
      `\n<section><h4>${escapeHtml(f.name)}</h4><p>${f.lines.map(lineToHtml).join("<br>\n")}</p></section>`,
  );
  return `<p class="${block.kind}"${id}>${lines.join("<br>\n")}</p>${fields.join("")}`;
}

/** The message as an HTML fragment; buttons become a list of links or commands. */
export function toHtml(unmarked: RichMessage): string {
  const message = markCards(unmarked);
  const parts = message.blocks.map(blockToHtml);
  if (message.buttons?.length) {
    const items = message.buttons.map((b) => {
      const url = safeUrl(b.url);
      return url
        ? `<li><a href="${escapeHtml(url)}" rel="noopener">${escapeHtml(b.label)}</a></li>`
        : `<li>${escapeHtml(b.label)}: <code>${escapeHtml(b.command ?? "")}</code></li>`;
    });
    parts.push(`<ul class="buttons">\n${items.join("\n")}\n</ul>`);
  }
  return parts.join("\n");
}
