/**
 * TelegramSender: sudi's Sender for Telegram. It renders a RichMessage as HTML (link previews
 * off, buttons as an inline keyboard), paces sends under Telegram's limits, and turns what
 * Telegram answers into what the delivery engine can act on:
 * - 429: waits `retry_after` (nothing else goes to that chat meanwhile) and sends again;
 * - 5xx or no answer: retries with exponential backoff, then throws TransientSendError
 *   (a request that reached Telegram but lost its answer may then arrive twice: the one
 *   uncertain message the outbox ledger allows for);
 * - 403, 400 "chat not found" and kin: ChatGoneError;
 * - 400 with migrate_to_chat_id: with `onChatMigrated` it reports the new id, remembers it and
 *   resends there (the caller sees a normal success); without it, ChatMigratedError;
 * - 400 "can't parse entities": logs it with the chat and resends as plain text;
 * - any other refusal: TelegramRejectedError (retrying would not help).
 * The bot token never appears in what it logs or throws.
 */
import { Api, InputFile } from "grammy";
import type { ChatAddress } from "../../src/core/address.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import type { Attachment, RichMessage } from "../../src/core/message.ts";
import {
  ChatGoneError,
  ChatMigratedError,
  type Sender,
  TransientSendError,
} from "../../src/deliver/sender.ts";
import { type Logger, registerSecrets, silentLogger } from "../../src/log.ts";
import { classifyTelegramError, safeErrorText, TelegramRejectedError } from "./errors.ts";
import { type Lane, type PaceLimits, Pacer, TELEGRAM_PACE } from "./pacer.ts";
import {
  splitTelegram,
  telegramLength,
  toTelegramHtml,
  toTelegramKeyboard,
  toTelegramPlainText,
} from "./render.ts";

export interface RetryPolicy {
  /** sends in all for one part on 5xx and network errors (the first included) */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TelegramSenderOptions {
  token: string;
  /** Bot API root, without a trailing slash; default https://api.telegram.org */
  apiRoot?: string;
  /** the bot's own Api, so replies and digests share one client; default a new one */
  api?: Api;
  log?: Logger;
  /** pacing limits; each one defaults to TELEGRAM_PACE's */
  limits?: Partial<PaceLimits>;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  /** how many 429s one part may meet before TransientSendError; default 5 */
  maxRateLimitRetries?: number;
  /** seconds before a Bot API request is abandoned; default 30 */
  requestTimeoutSeconds?: number;
  /**
   * Called when Telegram says a group became a supergroup. With it, the sender resends to the
   * new id; without it, it throws ChatMigratedError and the caller decides.
   */
  onChatMigrated?: (oldChatId: string, newChatId: string) => void | Promise<void>;
}

export interface SendOptions {
  /** "interactive" for command replies (sent before queued deliveries); default "bulk" */
  lane?: Lane;
  /** quote this message of the chat (a reply to a command) */
  replyTo?: number;
}

/** Counters since the sender was created. */
export interface SenderStats {
  sent: number;
  rateLimited: number;
  retried: number;
  plainTextFallbacks: number;
  migrated: number;
}

/** Telegram's limit on a photo's or document's caption. */
const CAPTION_LIMIT = 1024;

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

export class TelegramSender implements Sender {
  readonly platform = "telegram" as const;
  readonly api: Api;
  readonly stats: SenderStats = {
    sent: 0,
    rateLimited: 0,
    retried: 0,
    plainTextFallbacks: 0,
    migrated: 0,
  };
  private readonly pacer: Pacer;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly maxRateLimitRetries: number;
  private readonly token: string;
  private readonly migrations = new Map<string, string>();

  constructor(private readonly options: TelegramSenderOptions) {
    this.token = options.token;
    registerSecrets([options.token]);
    this.api =
      options.api ??
      new Api(options.token, {
        apiRoot: options.apiRoot ?? "https://api.telegram.org",
        timeoutSeconds: options.requestTimeoutSeconds ?? 30,
      });
    this.clock = options.clock ?? systemClock;
    this.log = (options.log ?? silentLogger).child({ platform: "telegram" });
    this.pacer = new Pacer({ ...TELEGRAM_PACE, ...options.limits }, this.clock);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 5;
  }

  split(message: RichMessage): RichMessage[] {
    // A message with a file is one sendPhoto/sendDocument: never cut.
    if (message.attachments?.length) return [message];
    return splitTelegram(message);
  }

  /** The id Telegram knows the chat by now (after a migration this process saw). */
  currentChatId(chatId: string): string {
    return this.migrations.get(chatId) ?? chatId;
  }

  async sendPart(chat: ChatAddress, part: RichMessage, options: SendOptions = {}): Promise<string> {
    let chatId = this.currentChatId(chat.chatId);
    const group = chat.type !== "private";
    const html = toTelegramHtml(part);
    const keyboard = toTelegramKeyboard(part);
    let plain = false;
    let rateLimited = 0;
    let failures = 0;
    for (;;) {
      await this.pacer.acquire(chatId, group, options.lane ?? "bulk");
      try {
        const file = part.attachments?.[0];
        const sent = file
          ? await this.sendFile(chatId, part, file, plain)
          : await this.api.sendMessage(chatId, plain ? toTelegramPlainText(part) : html, {
              ...(plain ? {} : { parse_mode: "HTML" as const }),
              link_preview_options: { is_disabled: true },
              ...(keyboard ? { reply_markup: keyboard } : {}),
              ...(options.replyTo
                ? {
                    reply_parameters: {
                      message_id: options.replyTo,
                      allow_sending_without_reply: true,
                    },
                  }
                : {}),
            });
        this.stats.sent++;
        return String(sent.message_id);
      } catch (err) {
        const failure = classifyTelegramError(err);
        switch (failure.kind) {
          case "rate-limited":
            this.stats.rateLimited++;
            if (++rateLimited > this.maxRateLimitRetries) {
              throw new TransientSendError(
                `Telegram kept rate-limiting chat ${chatId}: ${failure.detail}`,
                failure.retryAfterMs,
              );
            }
            this.log.debug("telegram rate limit, waiting", {
              chatId,
              retryAfterMs: failure.retryAfterMs,
            });
            this.pacer.hold(chatId, failure.retryAfterMs);
            continue;
          case "transient": {
            if (++failures >= this.retry.attempts) {
              throw new TransientSendError(
                `sending to Telegram chat ${chatId} failed: ${failure.detail}`,
              );
            }
            this.stats.retried++;
            const delay = this.backoff(failures);
            this.log.debug("telegram send failed, retrying", {
              chatId,
              delayMs: delay,
              detail: failure.detail,
            });
            await this.clock.sleep(delay);
            continue;
          }
          case "gone":
            throw new ChatGoneError(chat.chatId, failure.detail);
          case "migrated":
            if (!this.options.onChatMigrated || chatId === failure.newChatId) {
              throw new ChatMigratedError(chat.chatId, failure.newChatId);
            }
            await this.reportMigration(chatId, failure.newChatId);
            this.migrations.set(chat.chatId, failure.newChatId);
            chatId = failure.newChatId;
            continue;
          case "bad-html":
            if (plain) throw new TelegramRejectedError("sendMessage", chatId, 400, failure.detail);
            this.log.warn("telegram refused the HTML; resending as plain text", {
              chatId,
              detail: failure.detail,
            });
            this.stats.plainTextFallbacks++;
            plain = true;
            continue;
          case "rejected":
            throw new TelegramRejectedError(
              "sendMessage",
              chatId,
              failure.errorCode,
              failure.detail,
            );
        }
      }
    }
  }

  /**
   * A part with an attachment: one sendPhoto (a report's chart) or sendDocument (the full
   * report as an HTML file), its blocks as the caption (Telegram allows 1024 characters).
   */
  private sendFile(chatId: string, part: RichMessage, file: Attachment, plain: boolean) {
    const captionPart: RichMessage = { blocks: part.blocks };
    const html = toTelegramHtml(captionPart);
    const usePlain = plain || telegramLength(html) > CAPTION_LIMIT;
    const caption = usePlain ? toTelegramPlainText(captionPart).slice(0, CAPTION_LIMIT) : html;
    const input = new InputFile(Buffer.from(file.data, "base64"), file.filename);
    const options = { caption, ...(usePlain ? {} : { parse_mode: "HTML" as const }) };
    return file.kind === "photo"
      ? this.api.sendPhoto(chatId, input, options)
      : this.api.sendDocument(chatId, input, options);
  }

  /** Shows a chat action ("typing"); best effort, unpaced, never throws. */
  async sendChatAction(chatId: string, action: "typing" = "typing"): Promise<void> {
    try {
      await this.api.sendChatAction(this.currentChatId(chatId), action);
    } catch (err) {
      this.log.debug("telegram chat action failed", {
        chatId,
        error: safeErrorText(err, [this.token]),
      });
    }
  }

  /** Stops pacing: sends still waiting for their turn, and later ones, fail with PacerClosedError. */
  close(): void {
    this.pacer.close();
  }

  private async reportMigration(oldChatId: string, newChatId: string): Promise<void> {
    this.stats.migrated++;
    this.log.info("telegram group became a supergroup", { chatId: oldChatId, newChatId });
    try {
      await this.options.onChatMigrated?.(oldChatId, newChatId);
    } catch (err) {
      // The message still goes to the new id; the next send to the old id reports it again.
      this.log.error("recording a telegram chat migration failed", {
        chatId: oldChatId,
        newChatId,
        error: safeErrorText(err, [this.token]),
      });
    }
  }

  private backoff(failures: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (failures - 1));
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }
}
