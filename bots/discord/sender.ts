/**
 * Delivery to Discord: one digest part to one channel (or DM) over REST, with Discord's answers
 * classified into the typed errors src/deliver decides on (the engine alone retries). Sends are
 * spaced evenly under the global limit (Pacer), and @discordjs/rest honours every bucket.
 *
 * Every message create carries a `nonce` with `enforce_nonce: true`, derived by the engine from
 * the ledger entry (chat, announcement, part): a second POST of the same part within Discord's
 * nonce window (a few minutes), whether @discordjs/rest's own re-POST after a timeout, the
 * engine's one retry after a lost answer, or a restart after a crash, returns the first message
 * instead of posting it twice.
 */
import {
  type APIChannel,
  type APIMessage,
  DiscordAPIError,
  HTTPError,
  RateLimitError,
  type REST,
  Routes,
} from "discord.js";
import type { ChatAddress } from "../../src/core/address.ts";
import type { RichMessage } from "../../src/core/message.ts";
import {
  ChatGoneError,
  SendAbortedError,
  type Sender,
  type SendPartOptions,
  SendRejectedError,
  TransientSendError,
} from "../../src/deliver/sender.ts";
import { Pacer } from "./pacer.ts";
import { renderDiscordPayload, splitForDiscord } from "./render.ts";

/** Discord JSON error codes that mean "this chat will never take our messages". */
export const GONE_CODES: Record<number, string> = {
  10003: "unknown channel",
  10004: "unknown guild",
  10013: "unknown user",
  50001: "missing access",
  50007: "cannot send messages to this user",
  50013: "missing permissions (Send Messages or Embed Links)",
};

/**
 * Discord refused the request itself (400 invalid form body, 401 bad token): retrying the same
 * request cannot help, and the chat is not to blame.
 */
export class DiscordRejectedError extends SendRejectedError {
  constructor(
    chatId: string,
    status: number,
    readonly code: number | string,
    options?: { cause?: unknown },
  ) {
    super(chatId, status, `HTTP ${status}, code ${code}`, options);
    this.message = `Discord rejected a message to ${chatId}: HTTP ${status}, code ${code}`;
    this.name = "DiscordRejectedError";
  }
}

/** Socket errors raised before a byte of the request was written. */
const NOT_WRITTEN = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

function socketCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What an error from @discordjs/rest means for delivery to `chatId`. Messages are built here
 * from status and code only: a REST error's URL may carry an interaction token.
 */
export function toSendError(chatId: string, error: unknown): Error {
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === "number" ? error.code : Number.NaN;
    const gone = GONE_CODES[code];
    if (gone || error.status === 403 || error.status === 404) {
      return new ChatGoneError(chatId, gone ?? `HTTP ${error.status}`);
    }
    if (error.status === 429) {
      return new TransientSendError(`rate limited sending to ${chatId}`, undefined, {
        outcome: "undelivered",
      });
    }
    if (error.status >= 500) {
      return new TransientSendError(`Discord answered HTTP ${error.status} for ${chatId}`);
    }
    return new DiscordRejectedError(chatId, error.status, error.code);
  }
  if (error instanceof RateLimitError) {
    return new TransientSendError(`rate limited sending to ${chatId}`, error.retryAfter, {
      outcome: "undelivered",
    });
  }
  if (error instanceof HTTPError) {
    // The request reached Discord; what became of it is unknown.
    return new TransientSendError(`Discord answered HTTP ${error.status} for ${chatId}`);
  }
  const name = error instanceof Error ? error.name : typeof error;
  const code = socketCode(error);
  return new TransientSendError(
    `network error sending to ${chatId} (${name}${code ? ` ${code}` : ""})`,
    undefined,
    { cause: error, outcome: code && NOT_WRITTEN.has(code) ? "undelivered" : "ambiguous" },
  );
}

/** How many user → DM channel ids to remember; a DM channel id never changes. */
const DM_CACHE_SIZE = 10_000;

export class DiscordSender implements Sender {
  readonly platform = "discord" as const;
  readonly messagesPerSecond: number;
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly rest: REST,
    private readonly pacer: Pacer = new Pacer(),
  ) {
    this.messagesPerSecond = pacer.perSecond;
  }

  split(message: RichMessage): RichMessage[] {
    // A message with a file (a report's chart or HTML file) is one post: never cut.
    if (message.attachments?.length) return [message];
    return splitForDiscord(message);
  }

  /**
   * Posts one part. A guild chat's id is its channel id; a private chat's id is the user's id,
   * whose DM channel is opened once (POST /users/@me/channels) and remembered.
   */
  async sendPart(
    chat: ChatAddress,
    part: RichMessage,
    options: SendPartOptions = {},
  ): Promise<string> {
    try {
      const channelId = chat.type === "private" ? await this.dmChannel(chat.chatId) : chat.chatId;
      await this.pacer.wait();
      if (options.signal?.aborted) throw new SendAbortedError(chat.chatId);
      options.onRequest?.();
      const nonce = options.idempotencyKey;
      const files = (part.attachments ?? []).map((a) => ({
        name: a.filename,
        data: Buffer.from(a.data, "base64"),
        contentType: a.mime,
      }));
      const payload = {
        ...renderDiscordPayload({ ...part, attachments: undefined }),
        ...(nonce ? { nonce: nonce.slice(0, 25), enforce_nonce: true } : {}),
      };
      const message = (await this.rest.post(Routes.channelMessages(channelId), {
        body: files.length
          ? { ...payload, attachments: files.map((f, id) => ({ id, filename: f.name })) }
          : payload,
        ...(files.length ? { files } : {}),
      })) as APIMessage;
      return message.id;
    } catch (error) {
      if (error instanceof SendAbortedError) throw error;
      throw toSendError(chat.chatId, error);
    }
  }

  private async dmChannel(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    await this.pacer.wait();
    const channel = (await this.rest.post(Routes.userChannels(), {
      body: { recipient_id: userId },
    })) as APIChannel;
    if (this.dmChannels.size >= DM_CACHE_SIZE) this.dmChannels.clear();
    this.dmChannels.set(userId, channel.id);
    return channel.id;
  }
}
