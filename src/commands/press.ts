/**
 * Button presses: 👍 👎 (a vote per person, a second press takes it back), ⭐ (saves the
 * paper for the person, counted as a like by the chat), 深读 (runs the `deep` command when one
 * is on the command table, else shows the short card and says deep reading is not open yet),
 * and command buttons ("/paper 2404.14469"). A vote never sends a message: it answers the
 * presser with a short notice and re-labels the message's buttons with the new counts,
 * coalesced and rate-limited per chat (RelabelThrottle), so a busy group never hits the
 * platform's edit limits.
 */

import type { RichMessage } from "../core/message.ts";
import { R } from "../core/texts/ranking.ts";
import { decodePress, type Press, pressLabel } from "../digest/buttons.ts";
import { cardBlock } from "../digest/card-message.ts";
import type { Chat } from "../store/chats.ts";
import type { CommandDeps } from "./context.ts";
import { reply } from "./reply.ts";
import type { ButtonPress, Incoming, PressOutcome } from "./types.ts";

/** Timers for the throttle (tests pass fake ones). */
export interface TimerLike {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
}

const systemTimers: TimerLike = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
};

/**
 * At most one edit per chat every `intervalMs`; presses on a message while its edit waits
 * replace the waiting edit (the last state wins), and messages wait their turn in order.
 */
export class RelabelThrottle {
  private readonly chats = new Map<
    string,
    { last: number; queue: Map<string, () => Promise<void>>; timer: boolean }
  >();

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly timers: TimerLike = systemTimers,
  ) {}

  schedule(chatKey: string, messageKey: string, run: () => Promise<void>): void {
    let chat = this.chats.get(chatKey);
    if (!chat) {
      chat = { last: Number.NEGATIVE_INFINITY, queue: new Map(), timer: false };
      this.chats.set(chatKey, chat);
    }
    chat.queue.set(messageKey, run);
    this.pump(chatKey);
  }

  private pump(chatKey: string): void {
    const chat = this.chats.get(chatKey);
    if (!chat || chat.timer) return;
    const wait = chat.last + this.intervalMs - this.timers.now();
    if (wait > 0) {
      chat.timer = true;
      this.timers.setTimeout(() => {
        chat.timer = false;
        this.pump(chatKey);
      }, wait);
      return;
    }
    const [first] = chat.queue;
    if (!first) {
      this.chats.delete(chatKey);
      return;
    }
    const [key, run] = first;
    chat.queue.delete(key);
    chat.last = this.timers.now();
    run().catch(this.onError);
    if (chat.queue.size > 0) this.pump(chatKey);
  }
}

export interface PressDeps {
  deps: CommandDeps;
  /** runs a command as if typed (command buttons, and 深读 when `deep` exists) */
  runCommand(incoming: Incoming): Promise<RichMessage[]>;
  /** whether the command table has this command (the hook a deep-read handler fills) */
  hasCommand(name: string): boolean;
  throttle: RelabelThrottle;
}

export function createPressHandler(p: PressDeps): (press: ButtonPress) => Promise<PressOutcome> {
  const { deps } = p;

  /** New labels for every vote button on the message, from the chat's current counts. */
  const relabel = (chat: Chat, press: ButtonPress) => {
    if (!press.relabel || !deps.personal) return;
    const presses = press.message.buttons.flatMap((data) => {
      const decoded = decodePress(data);
      return decoded ? [{ data, decoded }] : [];
    });
    const ids = [...new Set(presses.map((x) => x.decoded.paperId))];
    const edit = press.relabel;
    const votes = deps.personal.votes;
    p.throttle.schedule(String(chat.id), press.message.id, async () => {
      const counts = votes.counts(chat.id, ids);
      const labels = new Map<string, string>();
      for (const { data, decoded } of presses) {
        labels.set(data, pressLabel(decoded, counts.get(decoded.paperId)));
      }
      await edit(labels);
    });
  };

  const deep = async (press: ButtonPress, decoded: Press): Promise<PressOutcome> => {
    const incoming: Incoming = {
      chat: press.chat,
      userId: press.userId,
      text: `/deep ${decoded.paperId}`,
      isAdmin: press.isAdmin,
    };
    if (p.hasCommand("deep")) return { replies: await p.runCommand(incoming) };
    const card = deps.cards.bestMany([decoded.paperId]).get(decoded.paperId);
    const replies: RichMessage[] = [reply(R.deepUnavailable)];
    if (card) replies[0]?.blocks.push(cardBlock(card, "brief"));
    return { replies };
  };

  return async (press) => {
    const decoded = decodePress(press.data);
    if (!decoded) {
      if (!press.data.startsWith("/")) return { toast: R.pressUnknown, replies: [] };
      const replies = await p.runCommand({
        chat: press.chat,
        userId: press.userId,
        text: press.data,
        isAdmin: press.isAdmin,
      });
      return { replies };
    }
    if (decoded.action === "deep") return deep(press, decoded);
    const personal = deps.personal;
    if (!personal) return { toast: R.pressUnknown, replies: [] };
    const chat = deps.chats.ensure(press.chat);
    if (decoded.action === "star") {
      const paper = deps.papers.get(decoded.paperId);
      const saved = personal.votes.toggleSaved({
        platform: press.chat.platform,
        userId: press.userId,
        paperId: decoded.paperId,
        chat: chat.id,
        version: paper?.version ?? 1,
        hadCode: Boolean(paper?.codeUrl),
      });
      relabel(chat, press);
      return { toast: saved ? R.savedToast : R.unsavedToast, replies: [] };
    }
    const value = decoded.action === "up" ? 1 : -1;
    const now = personal.votes.toggleVote(chat.id, press.userId, decoded.paperId, value);
    relabel(chat, press);
    return { toast: now === 0 ? R.unvoted : R.voted(value > 0 ? "👍" : "👎"), replies: [] };
  };
}
