/**
 * Plain-text rendering: the console chat, logs, `sudi digest --format text`. Nothing is
 * interpreted, so nothing needs escaping; a link shows its URL after its text so it stays
 * usable in a terminal.
 */
import {
  allLines,
  type Block,
  type Button,
  type Line,
  markCards,
  type RichMessage,
} from "../../core/message.ts";

export function lineToPlainText(line: Line): string {
  return line.map((s) => (s.href && s.href !== s.text ? `${s.text} ${s.href}` : s.text)).join("");
}

function blockToPlainText(block: Block): string {
  return allLines(block).map(lineToPlainText).join("\n");
}

function buttonToPlainText(button: Button): string {
  const target = button.command ?? button.url ?? "";
  return target && target !== button.label ? `[${button.label}] ${target}` : `[${button.label}]`;
}

/** A one-line card (a brief digest's) follows another one without a blank line between. */
const isBriefLine = (b: Block | undefined) =>
  b?.kind === "card" && !b.title && b.lines.length === 1;

/** The message as plain text: blocks separated by a blank line, buttons listed last. */
export function toPlainText(unmarked: RichMessage): string {
  const message = markCards(unmarked);
  let out = "";
  message.blocks.forEach((block, i) => {
    if (i > 0) out += isBriefLine(block) && isBriefLine(message.blocks[i - 1]) ? "\n" : "\n\n";
    out += blockToPlainText(block);
  });
  if (message.buttons?.length) {
    out += `${out ? "\n\n" : ""}${message.buttons.map(buttonToPlainText).join("\n")}`;
  }
  // A terminal shows no picture or file: name it, with its size.
  for (const a of message.attachments ?? []) {
    const kb = Math.max(1, Math.round((a.data.length * 3) / 4 / 1024));
    out += `${out ? "\n" : ""}📎 ${a.filename}（${kb} KB）`;
  }
  return out;
}
