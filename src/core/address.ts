/**
 * Where a message goes or comes from, in every platform's terms. The bottom floor names no
 * platform: an adapter under bots/ picks its own lower-case name ("telegram", "discord",
 * "console", later "feishu" or "email"), so adding a platform never edits this file.
 */

/** A platform's name as adapters, the store and the senders agree on it. */
export type Platform = string;

export type ChatType = "private" | "group" | "channel";

/** Where a message came from, as the platform names it. */
export interface ChatAddress {
  platform: Platform;
  /** the platform's chat id as text (Discord ids are 64-bit) */
  chatId: string;
  type: ChatType;
  title?: string;
}
