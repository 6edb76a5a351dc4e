/**
 * Delivery to Discord: one digest part to one channel (or DM) over REST, with Discord's answers
 * turned into the typed errors src/deliver decides on. Rate limits never surface here: sends
 * are spaced evenly under the global limit (Pacer), and @discordjs/rest honours every bucket
 * and waits out any 429, so a broadcast may call sendPart for many chats at once.
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
import { ChatGoneError, type Sender, TransientSendError } from "../../src/deliver/sender.ts";
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
export class DiscordRejectedError extends Error {
  constructor(
    readonly chatId: string,
    readonly status: number,
    readonly code: number | string,
    options?: { cause?: unknown },
  ) {
    super(`Discord rejected a message to ${chatId}: HTTP ${status}, code ${code}`, options);
    this.name = "DiscordRejectedError";
  }
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
    if (error.status === 429) return new TransientSendError(`rate limited sending to ${chatId}`);
    return new DiscordRejectedError(chatId, error.status, error.code);
  }
  if (error instanceof RateLimitError) {
    return new TransientSendError(`rate limited sending to ${chatId}`, error.retryAfter);
  }
  if (error instanceof HTTPError) {
    return new TransientSendError(`Discord answered HTTP ${error.status} for ${chatId}`);
  }
  const name = error instanceof Error ? error.name : typeof error;
  return new TransientSendError(`network error sending to ${chatId} (${name})`, undefined, {
    cause: error,
  });
}

/** How many user → DM channel ids to remember; a DM channel id never changes. */
const DM_CACHE_SIZE = 10_000;

export class DiscordSender implements Sender {
  readonly platform = "discord" as const;
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly rest: REST,
    private readonly pacer: Pacer = new Pacer(),
  ) {}

  split(message: RichMessage): RichMessage[] {
    // A message with a file (a report's chart or HTML file) is one post: never cut.
    if (message.attachments?.length) return [message];
    return splitForDiscord(message);
  }

  /**
   * Posts one part. A guild chat's id is its channel id; a private chat's id is the user's id,
   * whose DM channel is opened once (POST /users/@me/channels) and remembered.
   */
  async sendPart(chat: ChatAddress, part: RichMessage): Promise<string> {
    try {
      const channelId = chat.type === "private" ? await this.dmChannel(chat.chatId) : chat.chatId;
      await this.pacer.wait();
      const files = (part.attachments ?? []).map((a) => ({
        name: a.filename,
        data: Buffer.from(a.data, "base64"),
        contentType: a.mime,
      }));
      const payload = renderDiscordPayload({ ...part, attachments: undefined });
      const message = (await this.rest.post(Routes.channelMessages(channelId), {
        body: files.length
          ? { ...payload, attachments: files.map((f, id) => ({ id, filename: f.name })) }
          : payload,
        ...(files.length ? { files } : {}),
      })) as APIMessage;
      return message.id;
    } catch (error) {
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
