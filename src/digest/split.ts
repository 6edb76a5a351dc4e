/**
 * Splitting a RichMessage into parts that each fit one platform message. It works on the
 * neutral model, before rendering, so a rendered tag or entity can never be cut: a part is
 * rendered whole. Blocks (cards) stay together; only a block that alone exceeds the limit is
 * cut, between lines, and a line that alone exceeds it is cut between characters.
 */
import type { Block, Line, RichMessage } from "../core/message.ts";
import { markCards } from "../core/message.ts";

/** The rendered size of a message on the target platform (characters, UTF-16 units, ...). */
export type Measure = (message: RichMessage) => number;

function withBlocks(blocks: Block[]): RichMessage {
  return { blocks };
}

function cutLine(line: Line, fits: (l: Line) => boolean): Line[] {
  const out: Line[] = [];
  let current: Line = [];
  for (const s of line) {
    const chars = Array.from(s.text);
    let text = "";
    for (const ch of chars) {
      const candidate: Line = [...current, { ...s, text: text + ch }];
      if (!fits(candidate) && (current.length > 0 || text.length > 0)) {
        if (text) current.push({ ...s, text });
        out.push(current);
        current = [];
        text = ch;
      } else {
        text += ch;
      }
    }
    if (text) current.push({ ...s, text });
  }
  if (current.length) out.push(current);
  return out;
}

/** Cuts one oversized block into several blocks of the same kind, between lines. */
function cutBlock(block: Block, fits: (b: Block) => boolean): Block[] {
  const lines: Line[] = [...(block.title ? [block.title] : []), ...block.lines];
  const out: Block[] = [];
  let current: Line[] = [];
  const make = (ls: Line[]): Block => ({ kind: block.kind, lines: ls, paperId: block.paperId });
  for (const line of lines) {
    const pieces = fits(make([line])) ? [line] : cutLine(line, (l) => fits(make([l])));
    for (const piece of pieces) {
      if (current.length && !fits(make([...current, piece]))) {
        out.push(make(current));
        current = [];
      }
      current.push(piece);
    }
  }
  if (current.length) out.push(make(current));
  const first = out[0];
  if (first && block.title) {
    // Keep the title as the title of the first piece, so renderers still show it as one.
    const [title, ...rest] = first.lines;
    out[0] = { ...first, title, lines: rest };
  }
  return out;
}

/**
 * Greedily packs blocks into parts of at most `limit` as measured by `measure`. Buttons go on
 * the last part and are measured with it. Every part has at least one block (unless the
 * message has none).
 */
export function splitMessage(
  unmarked: RichMessage,
  measure: Measure,
  limit: number,
): RichMessage[] {
  // A digest's shared card blocks get their reader's numbers and why-lines first: parts are
  // measured, stored and sent as the reader sees them.
  const message = markCards(unmarked);
  const fitsAlone = (b: Block) => measure({ blocks: [b] }) <= limit;
  const blocks = message.blocks.flatMap((b) => (fitsAlone(b) ? [b] : cutBlock(b, fitsAlone)));
  const parts: RichMessage[] = [];
  let current: Block[] = [];
  for (const block of blocks) {
    if (current.length && measure({ blocks: [...current, block] }) > limit) {
      parts.push(withBlocks(current));
      current = [];
    }
    current.push(block);
  }
  if (current.length || parts.length === 0) parts.push(withBlocks(current));
  const buttons = message.buttons;
  if (buttons?.length) {
    // The buttons travel with the last part and count towards its size: blocks that no longer
    // fit beside them move to a part of their own before it.
    const rest = parts.pop()?.blocks ?? [];
    const fits = (blocks: Block[]) => measure({ blocks, buttons }) <= limit;
    const final: Block[] = [];
    let tail = rest.at(-1);
    while (tail && fits([tail, ...final])) {
      final.unshift(tail);
      rest.pop();
      tail = rest.at(-1);
    }
    const lone = final.length === 0 ? rest.pop() : undefined;
    if (lone) final.push(lone);
    if (rest.length) parts.push(withBlocks(rest));
    parts.push({ blocks: final, buttons });
  }
  return parts;
}

/** The ids of the papers a part carries (its card blocks). */
export function paperIdsOf(message: RichMessage): string[] {
  return [...new Set(message.blocks.flatMap((b) => (b.paperId ? [b.paperId] : [])))];
}
