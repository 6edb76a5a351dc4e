/**
 * The neutral message model: what commands and digests produce, and what every platform
 * renderer (plain text, Markdown, Telegram HTML, Discord embeds) consumes. Text in spans is
 * raw (never pre-escaped); renderers escape for their target.
 */
import { z } from "zod";
import { cardButtons, circled } from "./card-buttons.ts";

export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  /** an absolute http(s) URL that code built itself (never taken from untrusted text) */
  href?: string;
  /**
   * A mention of this platform user id (the text is their display name): Telegram renders a
   * text mention, Discord `<@id>` allowed for that user only. Renderers without mentions show
   * the text.
   */
  mention?: string;
}

/** One line of text. */
export type Line = Span[];

/**
 * A labelled part of a block (a deep-read card's 研究背景, 实验效果, ...). Telegram shows a
 * `fold` field in an expandable quote, Discord as an embed field, text as `name` then lines.
 */
export interface BlockField {
  name: string;
  lines: Line[];
  /** long text a reader may fold away */
  fold?: boolean;
}

/**
 * A block is the unit a splitter never cuts: a heading, a card, a paragraph. `kind` lets a
 * renderer choose a layout (a Discord embed per card, say); `title` is the block's first line.
 */
export interface Block {
  kind: "heading" | "card" | "text" | "footer";
  title?: Line;
  lines: Line[];
  /** on card blocks: the paper it shows, so delivery can mark exactly what a message carried */
  paperId?: string;
  /** labelled parts after the lines (a deep-read card's sections) */
  fields?: BlockField[];
  /** on card blocks: the card's own row of buttons (👍 👎 ⭐ 深读), kept with the card */
  buttons?: Button[];
}

export interface Button {
  label: string;
  /** a URL button, or a command the bot runs when pressed (e.g. "/paper 2404.14469") */
  url?: string;
  command?: string;
  /**
   * A press handled in place (a vote): compact data the bot decodes (src/commands/buttons.ts).
   * Pressing it edits the message's buttons; it never sends a message.
   */
  press?: string;
}

/**
 * A file sent with a message: a photo (a report's chart) or a document (a full report as an
 * HTML file). A message with an attachment is one platform message (Telegram sendPhoto or
 * sendDocument with the blocks as caption, a Discord message with the file); splitters keep
 * it whole, so its blocks must stay short (a caption).
 */
export interface Attachment {
  kind: "photo" | "document";
  /** a safe file name code built ("sudi-2024-04.html"), never user text */
  filename: string;
  mime: "image/png" | "text/html" | "application/x-bibtex" | "text/csv";
  /** the bytes, base64 (so a pending delivery stores them as JSON) */
  data: string;
}

export interface RichMessage {
  blocks: Block[];
  buttons?: Button[];
  attachments?: Attachment[];
  /** a digest's per-reader marks on its shared card blocks (see CardMarks) */
  marks?: CardMarks;
}

/**
 * What one reader's digest adds to card blocks that every chat of a run shares: each card's
 * number (① before its title, and on its buttons) and why it is there (the 📌/👤/✨ line). The
 * blocks stay one object per paper; splitters and renderers add the marks
 * (markCards), so what a platform shows is as if each chat had its own blocks.
 * Keyed by paper id, so dropping a card block (a paper reserved elsewhere) keeps the others'
 * numbers.
 */
export interface CardMarks {
  /** paper ids in card-number order: the card showing papers[i] is number i + 1 */
  papers: string[];
  /** each card's why-line, in the same order (null: none); absent when no card has one */
  why?: (Line | null)[];
}

/** An attachment from bytes. */
export function attachment(
  kind: Attachment["kind"],
  filename: string,
  mime: Attachment["mime"],
  bytes: Uint8Array | string,
): Attachment {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  return { kind, filename, mime, data: buf.toString("base64") };
}

/**
 * Every button of a message: the cards' rows first, in order (a digest's numbered by its
 * marks), then the message's own.
 */
export function allButtons(unmarked: RichMessage): Button[] {
  const message = markCards(unmarked);
  return [...message.blocks.flatMap((b) => b.buttons ?? []), ...(message.buttons ?? [])];
}

/*
 * Card marks laid in for rendering. A digest's card blocks are one object per paper, shared by
 * every chat of a run; each chat's message carries its cards' numbers and why-lines beside
 * them (RichMessage.marks). markCards lays them into the blocks as every platform shows them:
 * the number before the title (brief cards: in place of the bullet), the why-line above the
 * links line, and the card's numbered row of 👍 👎 ⭐ 深读. Splitters and renderers call it
 * first, so a part or a rendering never depends on who built the message.
 */

/** The message with its marks laid into its card blocks (the message itself when it has none). */
export function markCards(message: RichMessage): RichMessage {
  const { marks, ...rest } = message;
  if (!marks) return message;
  return { ...rest, blocks: message.blocks.map((block) => markBlock(block, marks)) };
}

/** A card block with its number, why-line and buttons; other blocks as they are. */
function markBlock(block: Block, marks: CardMarks): Block {
  if (block.kind !== "card" || block.paperId === undefined) return block;
  const at = marks.papers.indexOf(block.paperId);
  if (at < 0) return block;
  const number = at + 1;
  // Brief cards show no why-line.
  const why = block.title ? (marks.why?.[at] ?? null) : null;
  let copies = MARKED.get(block);
  if (!copies) {
    copies = { blocks: new Map(), numbered: [], lines: new Map(), rows: [] };
    MARKED.set(block, copies);
  }
  let byNumber = copies.blocks.get(why);
  if (!byNumber) {
    byNumber = [];
    copies.blocks.set(why, byNumber);
  }
  let marked = byNumber[number];
  if (!marked) {
    marked = markedCopy(block, copies, number, why);
    byNumber[number] = marked;
  }
  return marked;
}

function markedCopy(block: Block, copies: MarkedCopies, number: number, why: Line | null): Block {
  const paperId = block.paperId ?? "";
  let buttons = copies.rows[number];
  if (!buttons) {
    buttons = cardButtons(paperId, number);
    copies.rows[number] = buttons;
  }
  const mark = () => span(`${circled(number)} `);
  if (block.title) {
    let title = copies.numbered[number] as Line | undefined;
    if (!title) {
      title = [mark(), ...block.title];
      copies.numbered[number] = title;
    }
    let lines = block.lines;
    if (why) {
      let withWhy = copies.lines.get(why);
      if (!withWhy) {
        withWhy = block.lines.slice(0, -1).concat([why], block.lines.slice(-1));
        copies.lines.set(why, withWhy);
      }
      lines = withWhy;
    }
    return { kind: block.kind, title, lines, paperId, buttons };
  }
  let lines = copies.numbered[number] as Line[] | undefined;
  if (!lines) {
    const [first = [], ...others] = block.lines;
    lines = [[mark(), ...first.slice(1)], ...others];
    copies.numbered[number] = lines;
  }
  return { kind: block.kind, lines, paperId, buttons };
}

/**
 * The marked copies of each card block, made when a message with marks is first split or
 * rendered and kept beside the block, as long as it lives (a digest run's shared blocks: the
 * digest service's cache of the day). Chats that show a card at the same number for the same
 * reason get the same copy, and copies share their parts (the numbered title, the lines with a
 * why-line, the row of buttons), so a fan-out does not build every chat's cards anew.
 * Blocks are never mutated, so sharing them is safe.
 */
interface MarkedCopies {
  /** by why-line (null: none), then by number */
  blocks: Map<Line | null, (Block | undefined)[]>;
  /** by number: the numbered title (full cards) or lines (brief cards) */
  numbered: (Line | Line[] | undefined)[];
  /** by why-line: the lines with it (full cards) */
  lines: Map<Line, Line[]>;
  /** by number: the card's row of buttons */
  rows: (Button[] | undefined)[];
}

const MARKED = new WeakMap<Block, MarkedCopies>();

export const span = (text: string, style: Omit<Span, "text"> = {}): Span => ({ text, ...style });
export const bold = (text: string): Span => ({ text, bold: true });
export const italic = (text: string): Span => ({ text, italic: true });
export const code = (text: string): Span => ({ text, code: true });
export const link = (text: string, href: string): Span => ({ text, href });

/** A message of plain paragraphs, one block each. */
export function textMessage(...paragraphs: (string | Line)[]): RichMessage {
  return {
    blocks: paragraphs.map((p) => ({
      kind: "text" as const,
      lines: [typeof p === "string" ? [span(p)] : p],
    })),
  };
}

/** A block's lines with its fields' names and lines after them, for plain renderings. */
export function allLines(block: Block): Line[] {
  return [
    ...(block.title ? [block.title] : []),
    ...block.lines,
    ...(block.fields ?? []).flatMap((f) => [[bold(f.name)], ...f.lines]),
  ];
}

/** The message as plain text, for logs and tests. */
export function plainText(message: RichMessage): string {
  return markCards(message)
    .blocks.map((b) =>
      allLines(b)
        .map((line) => line.map((s) => s.text).join(""))
        .join("\n"),
    )
    .join("\n\n");
}

/**
 * The stored form of a message (the outbox keeps a digest's split parts while it is pending).
 * Parsed with this schema when read back, so a row written by an older version or edited by
 * hand fails loudly instead of reaching a renderer in the wrong shape.
 */
export const SpanSchema = z.object({
  text: z.string(),
  bold: z.boolean().optional(),
  italic: z.boolean().optional(),
  code: z.boolean().optional(),
  href: z.string().optional(),
  mention: z.string().optional(),
});
const LineSchema = z.array(SpanSchema);
export const ButtonSchema = z.object({
  label: z.string(),
  url: z.string().optional(),
  command: z.string().optional(),
  press: z.string().optional(),
});
export const BlockSchema = z.object({
  kind: z.enum(["heading", "card", "text", "footer"]),
  title: LineSchema.optional(),
  lines: z.array(LineSchema),
  paperId: z.string().optional(),
  fields: z
    .array(z.object({ name: z.string(), lines: z.array(LineSchema), fold: z.boolean().optional() }))
    .optional(),
  buttons: z.array(ButtonSchema).optional(),
});
export const AttachmentSchema = z.object({
  kind: z.enum(["photo", "document"]),
  filename: z.string().regex(/^[\w.-]{1,100}$/),
  mime: z.enum(["image/png", "text/html", "application/x-bibtex", "text/csv"]),
  data: z.base64(),
});
export const CardMarksSchema = z.object({
  papers: z.array(z.string()),
  why: z.array(LineSchema.nullable()).optional(),
});
export const RichMessageSchema = z.object({
  blocks: z.array(BlockSchema),
  buttons: z.array(ButtonSchema).optional(),
  attachments: z.array(AttachmentSchema).optional(),
  marks: CardMarksSchema.optional(),
});
export const RichMessagesSchema = z.array(RichMessageSchema);
