/**
 * Test helpers for delivery: chats in a real (in-memory) store, synthetic digests whose card
 * blocks carry paper ids, and a Sender that records what a platform would have shown, with
 * faults scripted per chat.
 */
import type { ChatAddress } from "../../src/core/address.ts";
import { type Block, plainText, type RichMessage, span } from "../../src/core/message.ts";
import type { DigestToDeliver } from "../../src/deliver/engine.ts";
import {
  ChatGoneError,
  ChatMigratedError,
  type Sender,
  type SendPartOptions,
  type TransientOutcome,
  TransientSendError,
} from "../../src/deliver/sender.ts";
import { paperIdsOf } from "../../src/digest/split.ts";
import { type Chat, ChatStore } from "../../src/store/chats.ts";
import { type Db, openDatabase } from "../../src/store/db.ts";
import { OutboxStore } from "../../src/store/outbox.ts";

export function stores(db: Db = openDatabase(":memory:")) {
  return {
    db,
    chats: new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" }),
    outbox: new OutboxStore(db),
  };
}

export function addChats(
  chats: ChatStore,
  n: number,
  platform: ChatAddress["platform"] = "telegram",
  settings: Partial<Pick<Chat, "timezone" | "digestTime">> = {},
): Chat[] {
  return Array.from({ length: n }, (_, i) => {
    const chat = chats.ensure({
      platform,
      chatId: String(1000 + i),
      type: "group",
      title: `g${i}`,
    });
    return Object.keys(settings).length ? chats.update(chat.id, settings) : chat;
  });
}

/** A digest of `paperIds`: a header, one card block per paper, a footer. */
export function digestOf(chat: Chat, announceDate: string, paperIds: string[]): DigestToDeliver {
  const cards: Block[] = paperIds.map((id) => ({
    kind: "card",
    paperId: id,
    title: [span(`论文 ${id}`)],
    lines: [[span(`一句话：${id} 的总结`)]],
  }));
  const message: RichMessage = {
    blocks: [
      { kind: "heading", title: [span(`论文速递 ${announceDate}`)], lines: [] },
      ...cards,
      { kind: "footer", lines: [[span("/subscribe 修改订阅")]] },
    ],
  };
  return { chat, announceDate, message };
}

export interface Delivered {
  chatId: string;
  messageId: string;
  paperIds: string[];
  text: string;
  at: number;
}

export type Fault =
  | { kind: "gone" }
  | { kind: "migrated"; to: string }
  /** the platform did not take it (outcome "undelivered") or may have (default: by retryAfterMs) */
  | { kind: "transient"; retryAfterMs?: number; outcome?: TransientOutcome }
  | { kind: "error" }
  /** the platform shows the message but the answer never comes back (a crash in flight) */
  | { kind: "hang" };

/**
 * A platform that shows what it is sent. `cardsPerPart` cards go in one part (the header rides
 * with the first, the footer with the last). `faults` are consumed per chat id, one per send.
 */
export class RecordingSender implements Sender {
  readonly platform: ChatAddress["platform"];
  readonly delivered: Delivered[] = [];
  readonly faults = new Map<string, Fault[]>();
  attempts = 0;
  private nextId = 1;
  onSend?: (chat: ChatAddress, part: RichMessage) => void | Promise<void>;

  constructor(
    private readonly now: () => number = () => 0,
    private readonly cardsPerPart = 2,
    platform: ChatAddress["platform"] = "telegram",
  ) {
    this.platform = platform;
  }

  fail(chatId: string, ...faults: Fault[]): void {
    this.faults.set(chatId, [...(this.faults.get(chatId) ?? []), ...faults]);
  }

  split(message: RichMessage): RichMessage[] {
    // like the real senders: a message with a file is one platform message
    if (message.attachments?.length) return [message];
    const parts: Block[][] = [[]];
    let cards = 0;
    for (const b of message.blocks) {
      const current = parts[parts.length - 1] as Block[];
      if (b.kind === "card" && cards === this.cardsPerPart) {
        parts.push([b]);
        cards = 1;
        continue;
      }
      if (b.kind === "card") cards++;
      current.push(b);
    }
    return parts.map((blocks) => ({ blocks }));
  }

  async sendPart(
    chat: ChatAddress,
    part: RichMessage,
    options: SendPartOptions = {},
  ): Promise<string> {
    options.onRequest?.();
    this.attempts++;
    await this.onSend?.(chat, part);
    const fault = this.faults.get(chat.chatId)?.shift();
    if (fault?.kind === "gone") throw new ChatGoneError(chat.chatId, "Forbidden: bot was kicked");
    if (fault?.kind === "migrated") throw new ChatMigratedError(chat.chatId, fault.to);
    if (fault?.kind === "transient") {
      throw new TransientSendError("Too Many Requests", fault.retryAfterMs, {
        ...(fault.outcome ? { outcome: fault.outcome } : {}),
      });
    }
    if (fault?.kind === "error") throw new Error("Bad Request: something unexpected");
    const messageId = String(this.nextId++);
    this.delivered.push({
      chatId: chat.chatId,
      messageId,
      paperIds: paperIdsOf(part),
      text: plainText(part),
      at: this.now(),
    });
    if (fault?.kind === "hang") return new Promise<string>(() => {});
    return messageId;
  }

  /** How many times each paper reached each chat. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const d of this.delivered) {
      for (const p of d.paperIds)
        out.set(`${d.chatId}/${p}`, (out.get(`${d.chatId}/${p}`) ?? 0) + 1);
    }
    return out;
  }

  to(chatId: string): Delivered[] {
    return this.delivered.filter((d) => d.chatId === chatId);
  }
}
