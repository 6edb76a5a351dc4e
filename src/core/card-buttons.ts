/**
 * The buttons under a card: 👍 👎 ⭐ 收藏 深读. A card in a digest gets one compact row
 * numbered like the card (①👍 ①👎 ①⭐ ①深读); a /paper reply gets the full row. Each button
 * carries compact press data ("v1:u:2404.14469:3": action, paper, card number), well under
 * Telegram's 64 bytes and Discord's 100, which the command layer decodes. Labels carry the
 * counts, so re-labelling a message shows the votes without sending anything.
 *
 * It sits in the bottom floor because a digest's card rows are made when the message is split
 * or rendered (markCards in message.ts), from the card's number beside its shared block.
 */

import type { Button } from "./message.ts";
import { BUTTON_LABELS } from "./texts/ranking.ts";

export type PressAction = "up" | "down" | "star" | "deep";

export interface Press {
  action: PressAction;
  paperId: string;
  /** the card's number in its digest (1-based), 0 on a /paper reply */
  number: number;
}

const ACTION_CODE: Record<PressAction, string> = { up: "u", down: "d", star: "s", deep: "r" };
const CODE_ACTION = new Map(Object.entries(ACTION_CODE).map(([a, c]) => [c, a as PressAction]));
/** Only arXiv ids (new and old style) travel in press data. */
const PRESS = /^v1:([udsr]):([a-z-]+(?:\.[A-Z]{2})?\/\d{7}|\d{4}\.\d{4,5}):(\d{1,2})$/;

export function encodePress(press: Press): string {
  return `v1:${ACTION_CODE[press.action]}:${press.paperId}:${press.number}`;
}

/** The press a button's data names, or null for anything else (a command, a forged value). */
export function decodePress(data: string): Press | null {
  const m = PRESS.exec(data);
  const action = m ? CODE_ACTION.get(m[1] ?? "") : undefined;
  if (!m || !action) return null;
  return { action, paperId: m[2] ?? "", number: Number(m[3]) };
}

/** ① … ㊿ for 1 … 50, then the digits. */
export function circled(n: number): string {
  if (n >= 1 && n <= 20) return String.fromCodePoint(0x2460 + n - 1);
  if (n >= 21 && n <= 35) return String.fromCodePoint(0x3251 + n - 21);
  if (n >= 36 && n <= 50) return String.fromCodePoint(0x32b1 + n - 36);
  return `${n}.`;
}

export interface Counts {
  up: number;
  down: number;
  star: number;
}

const NONE: Counts = { up: 0, down: 0, star: 0 };

/** A button's label for a press, with the current count. */
export function pressLabel(press: Press, counts: Counts = NONE): string {
  const count = (n: number) => (n > 0 ? String(n) : "");
  if (press.number === 0) {
    switch (press.action) {
      case "up":
        return `${BUTTON_LABELS.up}${counts.up > 0 ? ` ${counts.up}` : ""}`;
      case "down":
        return `${BUTTON_LABELS.down}${counts.down > 0 ? ` ${counts.down}` : ""}`;
      case "star":
        return `${BUTTON_LABELS.starFull}${counts.star > 0 ? ` ${counts.star}` : ""}`;
      case "deep":
        return BUTTON_LABELS.deep;
    }
  }
  const n = circled(press.number);
  switch (press.action) {
    case "up":
      return `${n}${BUTTON_LABELS.up}${count(counts.up)}`;
    case "down":
      return `${n}${BUTTON_LABELS.down}${count(counts.down)}`;
    case "star":
      return `${n}${BUTTON_LABELS.star}${count(counts.star)}`;
    case "deep":
      return `${n}${BUTTON_LABELS.deep}`;
  }
}

const ACTIONS: readonly PressAction[] = ["up", "down", "star", "deep"];

/** The row under one card: numbered (a digest) or the full row (number 0, a /paper reply). */
export function cardButtons(paperId: string, number: number, counts?: Counts): Button[] {
  return ACTIONS.map((action) => {
    const press = { action, paperId, number };
    return { label: pressLabel(press, counts), press: encodePress(press) };
  });
}
