/**
 * The contract between adapters (bots/*) and chat behaviour (src/commands). An adapter turns a
 * platform event into an Incoming and renders the RichMessages it gets back; it knows nothing
 * of topics, subscriptions or cards.
 */
import type { RichMessage } from "../digest/message.ts";

export type Platform = "telegram" | "discord" | "console";
export type ChatType = "private" | "group" | "channel";

/** Where a message came from, as the platform names it. */
export interface ChatAddress {
  platform: Platform;
  /** the platform's chat id as text (Discord ids are 64-bit) */
  chatId: string;
  type: ChatType;
  title?: string;
}

export interface Incoming {
  chat: ChatAddress;
  /** the sender's platform user id */
  userId: string;
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

export interface CommandHandler {
  handle(incoming: Incoming): Promise<RichMessage[]>;
}
