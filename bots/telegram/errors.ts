/**
 * What a failed Bot API call means for sudi. Telegram answers most permanent problems with the
 * same 400 or 403 code, so the one place that reads `description` is here; everything else
 * decides on the returned kind. Nothing here ever includes the bot token: grammY's own messages
 * name only the method, but the network error it wraps holds the request URL, token and all,
 * so that one is never passed on.
 */
import { GrammyError, HttpError } from "grammy";
import { SendRejectedError } from "../../src/deliver/sender.ts";

export type TelegramFailure =
  /** 429: wait `retryAfterMs`, then try again */
  | { kind: "rate-limited"; retryAfterMs: number; detail: string }
  /** 5xx, a timeout or a reset after the request was written: it may have been carried out */
  | { kind: "transient"; detail: string }
  /** the request never reached Telegram (connection refused, no DNS): certainly not carried out */
  | { kind: "unreachable"; detail: string }
  /** the chat will not take messages again: bot blocked, kicked, chat deleted */
  | { kind: "gone"; detail: string }
  /** the group became a supergroup */
  | { kind: "migrated"; newChatId: string; detail: string }
  /** Telegram refused our HTML */
  | { kind: "bad-html"; detail: string }
  /** anything else Telegram refused: retrying the same call will not help */
  | { kind: "rejected"; errorCode: number; detail: string };

const GONE_400 = [
  "chat not found",
  "peer_id_invalid",
  "group chat was deactivated",
  "user is deactivated",
  "bot was kicked",
  "not enough rights to send text messages",
  "have no rights to send a message",
  "chat_write_forbidden",
];

/** Socket errors raised before a byte of the request was written. */
const NOT_WRITTEN = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Classifies an error thrown by a grammY API call. */
export function classifyTelegramError(err: unknown): TelegramFailure {
  if (err instanceof GrammyError) {
    const detail = `${err.error_code}: ${err.description}`;
    const description = err.description.toLowerCase();
    if (err.error_code === 429) {
      const seconds = err.parameters.retry_after ?? 1;
      return { kind: "rate-limited", retryAfterMs: Math.max(0, seconds) * 1000, detail };
    }
    if (err.error_code >= 500) return { kind: "transient", detail };
    if (err.parameters.migrate_to_chat_id !== undefined) {
      return { kind: "migrated", newChatId: String(err.parameters.migrate_to_chat_id), detail };
    }
    if (err.error_code === 403) return { kind: "gone", detail };
    if (err.error_code === 400 && description.includes("can't parse entities")) {
      return { kind: "bad-html", detail };
    }
    if (err.error_code === 400 && GONE_400.some((s) => description.includes(s))) {
      return { kind: "gone", detail };
    }
    return { kind: "rejected", errorCode: err.error_code, detail };
  }
  if (err instanceof HttpError) {
    // err.message names the method only; err.error would carry the URL with the token.
    const code = (err.error as { code?: unknown } | undefined)?.code;
    if (typeof code === "string" && NOT_WRITTEN.has(code)) {
      return { kind: "unreachable", detail: `${err.message} (${code})` };
    }
    return { kind: "transient", detail: err.message };
  }
  return { kind: "transient", detail: safeErrorText(err) };
}

/** Telegram refused a call for a reason retrying will not fix (a 400 we do not expect, 401). */
export class TelegramRejectedError extends SendRejectedError {
  constructor(
    readonly method: string,
    chatId: string,
    readonly errorCode: number,
    detail: string,
  ) {
    super(chatId, errorCode, detail);
    this.message = `Telegram refused ${method} for chat ${chatId}: ${detail}`;
    this.name = "TelegramRejectedError";
  }
}

/**
 * A one-line description of any error that is safe to log: for grammY's errors the method and
 * Telegram's answer, for anything else its message with every `secrets` value removed.
 */
export function safeErrorText(err: unknown, secrets: readonly string[] = []): string {
  let text: string;
  if (err instanceof GrammyError) text = `${err.method}: ${err.error_code}: ${err.description}`;
  else if (err instanceof HttpError) text = err.message;
  else if (err instanceof Error) text = `${err.name}: ${err.message}`;
  else text = String(err);
  for (const s of secrets) if (s) text = text.split(s).join("[redacted]");
  return text.replace(/\/bot\d+:[A-Za-z0-9_-]+/g, "/bot[redacted]");
}
