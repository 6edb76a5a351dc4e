/**
 * TelegramSender: sudi's Sender for Telegram. It renders a RichMessage as HTML (link previews
 * off, buttons as an inline keyboard), paces sends under Telegram's limits, and classifies what
 * Telegram answers; it never sends a digest part twice (the delivery engine alone retries):
 * - 429: holds the chat for `retry_after` and throws TransientSendError ("undelivered", with the
 *   wait); command replies meet short 429s only inside @grammyjs/auto-retry (bots/telegram/bot.ts);
 * - a connection refused before the request was written: TransientSendError ("undelivered");
 * - 5xx, a timeout or a reset: TransientSendError ("ambiguous": Telegram may have shown it);
 * - 403, 400 "chat not found" and kin: ChatGoneError;
 * - 400 with migrate_to_chat_id: with `onChatMigrated` it reports the new id, remembers it and
 *   sends there (the caller sees a normal success); without it, ChatMigratedError;
 * - 400 "can't parse entities": logs it with the chat and sends it as plain text instead;
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
  SendAbortedError,
  type Sender,
  type SendPartOptions,
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
  /** seconds before a Bot API request is abandoned; default 30 */
  requestTimeoutSeconds?: number;
  /**
   * Called when Telegram says a group became a supergroup. With it, the sender resends to the
   * new id; without it, it throws ChatMigratedError and the caller decides.
   */
  onChatMigrated?: (oldChatId: string, newChatId: string) => void | Promise<void>;
}

export interface SendOptions extends SendPartOptions {
  /** "interactive" for command replies (sent before queued deliveries); default "bulk" */
  lane?: Lane;
  /** quote this message of the chat (a reply to a command) */
  replyTo?: number;
}

/** Counters since the sender was created. */
export interface SenderStats {
  sent: number;
  rateLimited: number;
  plainTextFallbacks: number;
  migrated: number;
}

/** Telegram's limit on a photo's or document's caption. */
const CAPTION_LIMIT = 1024;

export class TelegramSender implements Sender {
  readonly platform = "telegram" as const;
  readonly api: Api;
  readonly messagesPerSecond: number;
  readonly stats: SenderStats = {
    sent: 0,
    rateLimited: 0,
    plainTextFallbacks: 0,
    migrated: 0,
  };
  private readonly pacer: Pacer;
  private readonly log: Logger;
  private readonly clock: Clock;
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
    const limits = { ...TELEGRAM_PACE, ...options.limits };
    this.pacer = new Pacer(limits, this.clock);
    this.messagesPerSecond = limits.global.perSecond;
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

  readyIn(chat: ChatAddress): number {
    return this.pacer.readyIn(this.currentChatId(chat.chatId), chat.type !== "private");
  }

  async sendPart(chat: ChatAddress, part: RichMessage, options: SendOptions = {}): Promise<string> {
    let chatId = this.currentChatId(chat.chatId);
    const group = chat.type !== "private";
    const lane = options.lane ?? "bulk";
    const html = toTelegramHtml(part);
    const keyboard = toTelegramKeyboard(part);
    let plain = false;
    for (;;) {
      await this.pacer.acquire(chatId, group, lane);
      if (options.signal?.aborted) throw new SendAbortedError(chat.chatId);
      options.onRequest?.();
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
            this.pacer.hold(chatId, failure.retryAfterMs);
            throw new TransientSendError(
              `Telegram rate-limited chat ${chatId}: ${failure.detail}`,
              failure.retryAfterMs,
              { outcome: "undelivered" },
            );
          case "unreachable":
            throw new TransientSendError(
              `Telegram could not be reached for chat ${chatId}: ${failure.detail}`,
              undefined,
              { outcome: "undelivered" },
            );
          case "transient":
            throw new TransientSendError(
              `sending to Telegram chat ${chatId} failed: ${failure.detail}`,
              undefined,
              { outcome: "ambiguous" },
            );
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
            this.log.warn("telegram refused the HTML; sending it as plain text", {
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
}
