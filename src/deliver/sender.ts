/**
 * What the delivery engine needs from a platform: send one digest to one chat and say, with a
 * typed error, what went wrong. Adapters implement it; src/deliver decides what to do.
 */
import type { ChatAddress } from "../core/address.ts";
import type { RichMessage } from "../core/message.ts";

export interface Sender {
  readonly platform: ChatAddress["platform"];
  /**
   * Splits a message into parts that each fit one platform message, never cutting a block.
   * Delivery records which papers (card blocks' paperId) each part carries.
   */
  split(message: RichMessage): RichMessage[];
  /**
   * Sends one part and resolves with the platform's message id once the platform confirmed it.
   * Pacing and immediate retries for rate limits are the sender's job; what it cannot fix it
   * throws as ChatGoneError, ChatMigratedError or TransientSendError.
   */
  sendPart(chat: ChatAddress, part: RichMessage): Promise<string>;
}

/** The chat will never accept messages again (bot removed, blocked, channel deleted). */
export class ChatGoneError extends Error {
  constructor(
    readonly chatId: string,
    readonly reason: string,
  ) {
    super(`chat ${chatId} is gone: ${reason}`);
    this.name = "ChatGoneError";
  }
}

/** A Telegram group became a supergroup: the chat lives on under `newChatId`. */
export class ChatMigratedError extends Error {
  constructor(
    readonly chatId: string,
    readonly newChatId: string,
  ) {
    super(`chat ${chatId} migrated to ${newChatId}`);
    this.name = "ChatMigratedError";
  }
}

/** Worth trying again later (rate limit, 5xx, network); `retryAfterMs` when the platform said. */
export class TransientSendError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TransientSendError";
  }
}
