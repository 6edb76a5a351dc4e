/**
 * Delivers digests to Feishu groups through their custom-bot webhooks, one interactive card a
 * part. Paces each webhook under Feishu's limits, signs when the chat has a secret, and turns
 * Feishu's answers into the delivery engine's typed errors (bots/feishu/errors.ts). A webhook
 * that is gone (revoked, wrong signature) deactivates its chat with the reason kept for
 * `sudi chats list` and one clear log line; the webhook URL never reaches a log or an error.
 */
import type { ChatAddress } from "../../src/core/address.ts";
import type { RichMessage } from "../../src/core/message.ts";
import {
  ChatGoneError,
  type Sender,
  SendRejectedError,
  TransientSendError,
} from "../../src/deliver/sender.ts";
import { splitMessage } from "../../src/digest/split.ts";
import type { Logger } from "../../src/log.ts";
import type { EndpointStore } from "../../src/store/endpoints.ts";
import { feishuBody } from "./card.ts";
import { classifyFeishu } from "./errors.ts";
import { FEISHU_LIMITS, type FeishuLimits, FeishuPacer } from "./pacer.ts";
import { FeishuSettingsSchema } from "./settings.ts";
import { feishuSign } from "./sign.ts";

/** Feishu refuses request bodies over 20 KB; parts stay well under it. */
export const MAX_BODY_BYTES = 18_000;
/** A card with more elements than this is refused too. */
const MAX_ELEMENTS = 45;

/** Feishu refused this message itself (its code kept): sending it again cannot help. */
export class FeishuRejectedError extends SendRejectedError {
  constructor(chatId: string, code: number, detail: string) {
    super(chatId, code, detail);
    this.name = "FeishuRejectedError";
  }
}

export interface FeishuSenderOptions {
  endpoints: Pick<EndpointStore, "get" | "deactivate">;
  log: Logger;
  limits?: FeishuLimits;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** per request; default 15 s */
  timeoutMs?: number;
}

const byteLength = (message: RichMessage) =>
  Buffer.byteLength(JSON.stringify(feishuBody(message, { timestamp: 0, sign: "x".repeat(44) })));

export class FeishuSender implements Sender {
  readonly platform = "feishu";
  private readonly pacer: FeishuPacer;
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private sent = 0;

  constructor(private readonly options: FeishuSenderOptions) {
    this.now = options.now ?? Date.now;
    this.pacer = new FeishuPacer(options.limits ?? FEISHU_LIMITS, this.now);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Until this chat's webhook may take the next request (the engine waits without a slot). */
  readyIn(chat: ChatAddress): number {
    return this.pacer.delayFor(chat.chatId);
  }

  split(message: RichMessage): RichMessage[] {
    return splitMessage(
      message,
      (m) => (m.blocks.length * 3 > MAX_ELEMENTS ? Number.POSITIVE_INFINITY : byteLength(m)),
      MAX_BODY_BYTES,
    );
  }

  async sendPart(chat: ChatAddress, part: RichMessage): Promise<string> {
    const endpoint = this.options.endpoints.get("feishu", chat.chatId);
    if (!endpoint?.active) throw new ChatGoneError(chat.chatId, "no active webhook");
    const settings = FeishuSettingsSchema.parse(endpoint.settings);
    const answered = await this.pacer.take(chat.chatId, this.sleep);
    const timestamp = Math.floor(this.now() / 1000);
    const sign = settings.secret
      ? { timestamp, sign: feishuSign(settings.secret, timestamp) }
      : undefined;
    let response: Response;
    try {
      response = await this.fetch(settings.webhook, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(feishuBody(part, sign)),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      answered();
      // The error text of fetch can carry the URL: keep only its kind.
      const kind = error instanceof Error ? error.name : "error";
      throw new TransientSendError(`Feishu webhook unreachable (${kind})`);
    }
    const text = await response.text().catch(() => "");
    answered();
    let body: { code?: unknown; msg?: unknown } | null = null;
    try {
      body = JSON.parse(text) as { code?: unknown; msg?: unknown };
    } catch {
      body = null;
    }
    const outcome = classifyFeishu(
      response.status,
      body,
      response.headers.get("x-ogw-ratelimit-reset") ?? response.headers.get("retry-after"),
    );
    switch (outcome.kind) {
      case "ok":
        this.sent++;
        return response.headers.get("x-tt-logid") ?? `feishu-${timestamp}-${this.sent}`;
      case "transient":
        throw new TransientSendError(`Feishu: ${outcome.detail}`, outcome.retryAfterMs);
      case "gone":
        this.options.endpoints.deactivate(endpoint.chat, outcome.reason);
        this.options.log.warn("feishu chat deactivated", {
          chat: endpoint.chat,
          name: endpoint.title,
          code: outcome.code,
          reason: outcome.reason,
        });
        throw new ChatGoneError(chat.chatId, outcome.reason);
      case "rejected":
        throw new FeishuRejectedError(chat.chatId, outcome.code, outcome.detail);
    }
  }
}
