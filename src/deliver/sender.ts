/**
 * What the delivery engine needs from a platform: send one digest part to one chat and say, with
 * a typed error, what went wrong. Adapters implement it and only classify; src/deliver alone
 * decides whether to try again (one retry layer), so a message is never sent by two loops.
 *
 * The classes of failure, and what the engine does with each:
 * - TransientSendError, outcome "undelivered": the platform certainly did not show the message
 *   (a 429 with its retry_after, a connection refused before the request was written): retried
 *   as the engine's policy allows;
 * - TransientSendError, outcome "ambiguous": the request was written and the answer was lost (a
 *   timeout, a reset, a 5xx): the message may be showing. Retried at most once, and counted as
 *   uncertain in the run's summary line;
 * - ChatGoneError, ChatMigratedError, SendRejectedError: trying the same request again cannot
 *   help;
 * - SendAbortedError: the sender did not write the request because the engine stopped it.
 */
import type { ChatAddress } from "../core/address.ts";
import type { RichMessage } from "../core/message.ts";

/** What the engine tells a sender about one send; every field is optional for the sender. */
export interface SendPartOptions {
  /**
   * At most 25 characters, the same for every attempt at one part of one delivery. A platform
   * with an idempotency key (Discord's message nonce) posts the part once however often it is
   * sent within the platform's window.
   */
  idempotencyKey?: string;
  /** Once aborted, the sender must not start writing the request (SendAbortedError). */
  signal?: AbortSignal;
  /** Called right before the request is written, after pacing: the engine times the round trip. */
  onRequest?: () => void;
}

export interface Sender {
  readonly platform: ChatAddress["platform"];
  /**
   * Messages a second the sender lets out on this platform (its pacing under the platform's
   * limit); the engine keeps enough in flight to reach it at the observed round trip. Absent:
   * the engine assumes the messages cost no waiting (a console).
   */
  readonly messagesPerSecond?: number;
  /**
   * Splits a message into parts that each fit one platform message, never cutting a block.
   * Delivery records which papers (card blocks' paperId) each part carries.
   */
  split(message: RichMessage): RichMessage[];
  /**
   * Milliseconds until a message to `chat` may go, by the chat's own pacing or a rate limit the
   * platform announced for it (0: now). The engine waits this long without taking an in-flight
   * slot, so one slow chat never holds the others up.
   */
  readyIn?(chat: ChatAddress): number;
  /**
   * Sends one part once and resolves with the platform's message id once the platform confirmed
   * it. Never retries a request that may have been carried out; throws the typed errors above.
   */
  sendPart(chat: ChatAddress, part: RichMessage, options?: SendPartOptions): Promise<string>;
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

/**
 * "undelivered": the platform did not carry the message out (safe to send again);
 * "ambiguous": it may have (the request was written, the answer lost).
 */
export type TransientOutcome = "undelivered" | "ambiguous";

/**
 * Worth trying again later (rate limit, 5xx, network). `retryAfterMs` when the platform said how
 * long to wait; `outcome` says whether the message may be showing (default: "undelivered" when
 * the platform named a wait, which it does only for a request it refused, else "ambiguous").
 */
export class TransientSendError extends Error {
  readonly outcome: TransientOutcome;

  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; outcome?: TransientOutcome },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TransientSendError";
    this.outcome = options?.outcome ?? (retryAfterMs === undefined ? "ambiguous" : "undelivered");
  }
}

/** The platform refused the request itself (a 400 nobody expects, a bad token): no retry helps. */
export class SendRejectedError extends Error {
  constructor(
    readonly chatId: string,
    readonly status: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the platform refused a message to ${chatId}: ${detail}`, options);
    this.name = "SendRejectedError";
  }
}

/** The sender did not write the request: the engine stopped (shutdown, lost lease, bad ledger). */
export class SendAbortedError extends Error {
  constructor(readonly chatId: string) {
    super(`sending to ${chatId} was stopped before the request was written`);
    this.name = "SendAbortedError";
  }
}
