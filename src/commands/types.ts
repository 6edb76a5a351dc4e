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
