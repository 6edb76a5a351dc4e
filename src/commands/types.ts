/**
 * The contract between adapters (bots/*) and chat behaviour (src/commands). An adapter turns a
 * platform event into an Incoming and renders the RichMessages it gets back; it knows nothing
 * of topics, subscriptions or cards.
 */
import type { ChatAddress } from "../core/address.ts";
import type { RichMessage } from "../core/message.ts";

export interface Incoming {
  chat: ChatAddress;
  /** the sender's platform user id */
  userId: string;
  /** the sender's display name, when the platform tells (for a group digest's member line) */
  userName?: string;
  /** the command text as typed, e.g. "/subscribe 文生视频" (adapters strip "@botname") */
  text: string;
  /**
   * Whether the sender may change what this chat receives. Asked only when a command needs it,
   * so a /paper in a busy group costs no admin look-up. Always true in private chats.
   */
  isAdmin: () => Promise<boolean>;
  /** Called by slow commands (/paper on an unknown paper) so the adapter can show "typing". */
  onWorking?: () => void;
}

/**
 * A button pressed under a message (a vote, ⭐, 深读). The adapter passes the button's data
 * and how to re-label the message's buttons; the handler decides what it means.
 */
export interface ButtonPress {
  chat: ChatAddress;
  userId: string;
  userName?: string;
  /** the button's data as the platform returned it */
  data: string;
  /** the message the button is on, and the press data of every button on it, in order */
  message: { id: string; buttons: string[] };
  isAdmin: () => Promise<boolean>;
  /**
   * Re-labels the message's buttons (press data → new label) in place. The handler calls it
   * rate-limited, possibly after the press was answered; it must not send a message.
   */
  relabel?: (labels: ReadonlyMap<string, string>) => Promise<void>;
}

/** What a press does: a short notice for the presser, and replies (深读 without a reader). */
export interface PressOutcome {
  toast?: string;
  replies: RichMessage[];
}

export interface CommandHandler {
  handle(incoming: Incoming): Promise<RichMessage[]>;
  /** A button press; adapters route every callback button here (commands included). */
  press?(press: ButtonPress): Promise<PressOutcome>;
}
