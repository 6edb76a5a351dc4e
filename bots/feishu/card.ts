/**
 * A neutral message as a Feishu interactive card (msg_type "interactive"): the first heading
 * becomes the card's header, chapter headings become bold section titles between rules, each
 * card block a text section, and its links buttons. Text from outside (titles, summaries) only
 * ever goes into plain_text elements, which Feishu shows literally: no lark_md, so a title
 * holding `<at id=all></at>` or Markdown pings nobody and formats nothing.
 */
import type { Block, Button, Line, RichMessage } from "../../src/core/message.ts";
import { markCards } from "../../src/core/message.ts";

type Text = { tag: "plain_text" | "lark_md"; content: string };
export type CardElement =
  | { tag: "div"; text: Text }
  | { tag: "hr" }
  | { tag: "note"; elements: Text[] }
  | {
      tag: "action";
      actions: { tag: "button"; text: Text; url: string; type: "default" | "primary" }[];
    };

export interface FeishuCard {
  config: { wide_screen_mode: boolean; enable_forward: boolean };
  header?: { title: Text; template: string };
  elements: CardElement[];
}

/** Buttons in one action row, at most (Feishu lays out a row of a few). */
const BUTTONS_A_ROW = 4;

const plain = (content: string): Text => ({ tag: "plain_text", content });

/** lark_md for our own fixed strings only (chapter names), with its markup characters escaped. */
function larkBold(text: string): Text {
  const escaped = text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([*_~`[\]()\\])/g, "\\$1");
  return { tag: "lark_md", content: `**${escaped}**` };
}

const lineText = (line: Line) => line.map((s) => s.text).join("");
const isLink = (href: string | undefined): href is string =>
  Boolean(href && /^https?:\/\//i.test(href));

/** A line whose only content is links ("🔗 arXiv · PDF") becomes buttons instead of text. */
function linkOnly(line: Line): boolean {
  const hasLink = line.some((s) => isLink(s.href));
  return hasLink && line.every((s) => isLink(s.href) || /^[\s🔗·|:：]*$/u.test(s.text));
}

function buttonsRow(buttons: { label: string; url: string }[]): CardElement[] {
  const rows: CardElement[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_A_ROW) {
    rows.push({
      tag: "action",
      actions: buttons.slice(i, i + BUTTONS_A_ROW).map((b, k) => ({
        tag: "button",
        text: plain(b.label),
        url: b.url,
        type: i + k === 0 ? "primary" : "default",
      })),
    });
  }
  return rows;
}

function blockElements(block: Block): CardElement[] {
  const lines = [...(block.title ? [block.title] : []), ...block.lines];
  const text: string[] = [];
  const links: { label: string; url: string }[] = [];
  for (const line of lines) {
    if (linkOnly(line)) {
      for (const s of line) if (isLink(s.href)) links.push({ label: s.text, url: s.href });
      continue;
    }
    text.push(lineText(line));
    // A link inside a text line (a brief digest's id) also gets its button.
    for (const s of line) if (isLink(s.href)) links.push({ label: s.text, url: s.href });
  }
  const out: CardElement[] = [];
  if (block.kind === "heading" && block.title) {
    out.push({ tag: "div", text: larkBold(lineText(block.title)) });
    const rest = block.lines.map(lineText).filter(Boolean);
    if (rest.length) out.push({ tag: "div", text: plain(rest.join("\n")) });
  } else if (block.kind === "footer") {
    out.push({ tag: "note", elements: [plain(text.join("\n"))] });
  } else if (text.length) {
    out.push({ tag: "div", text: plain(text.join("\n")) });
  }
  out.push(...buttonsRow(links));
  return out;
}

/**
 * The card for one message part. The first heading's title is the card header (the digest's
 * date line); a later heading starts a chapter section after a rule.
 */
export function toFeishuCard(unmarked: RichMessage): FeishuCard {
  const message = markCards(unmarked);
  const elements: CardElement[] = [];
  let header: FeishuCard["header"];
  message.blocks.forEach((block, i) => {
    if (i === 0 && block.kind === "heading" && block.title) {
      header = { title: plain(lineText(block.title)), template: "blue" };
      const rest = block.lines.map(lineText).filter(Boolean);
      if (rest.length) elements.push({ tag: "div", text: plain(rest.join("\n")) });
      return;
    }
    if (block.kind === "heading" && elements.length) elements.push({ tag: "hr" });
    elements.push(...blockElements(block));
  });
  const buttons = (message.buttons ?? []).flatMap((b: Button) =>
    isLink(b.url) ? [{ label: b.label, url: b.url }] : [],
  );
  elements.push(...buttonsRow(buttons));
  return {
    config: { wide_screen_mode: true, enable_forward: true },
    ...(header ? { header } : {}),
    elements,
  };
}

/** The request body of one part: an interactive card, signed when the chat has a secret. */
export function feishuBody(
  message: RichMessage,
  sign?: { timestamp: number; sign: string },
): Record<string, unknown> {
  return {
    ...(sign ? { timestamp: String(sign.timestamp), sign: sign.sign } : {}),
    msg_type: "interactive",
    card: toFeishuCard(message),
  };
}
