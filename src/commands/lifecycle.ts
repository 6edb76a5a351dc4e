/**
 * Platform events about the chat itself (the bot added or removed, a group migrated to a new
 * id). Adapters call these and send what they return; the decisions live here.
 */

import type { ChatAddress } from "../core/address.ts";
import type { RichMessage } from "../core/message.ts";
import type { Logger } from "../log.ts";
import type { ChatStore } from "../store/chats.ts";
import type { SubscriptionStore } from "../store/subscriptions.ts";
import { greetingMessage } from "./help.ts";

export interface Lifecycle {
  /** The bot joined (or was re-added to) a chat: (re)activate it and greet, in Chinese. */
  onBotAdded(address: ChatAddress): RichMessage;
  /** The bot was removed or blocked: stop delivering; subscriptions are kept for a return. */
  onBotRemoved(address: ChatAddress): void;
  /** The platform moved the chat to a new id (Telegram group → supergroup); nothing is lost. */
  onChatMigrated(address: ChatAddress, newChatId: string): void;
}

export interface LifecycleDeps {
  chats: ChatStore;
  subscriptions: Pick<SubscriptionStore, "count">;
  log: Logger;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  return {
    onBotAdded(address) {
      const chat = deps.chats.ensure(address);
      if (!chat.active) deps.chats.setActive(chat.id, true);
      deps.log.info("bot added to chat", { platform: address.platform, chat: chat.id });
      return greetingMessage(chat, deps.subscriptions.count(chat.id));
    },
    onBotRemoved(address) {
      const chat = deps.chats.find(address.platform, address.chatId);
      if (!chat) return;
      deps.chats.setActive(chat.id, false);
      deps.log.info("bot removed from chat", { platform: address.platform, chat: chat.id });
    },
    onChatMigrated(address, newChatId) {
      const chat = deps.chats.migrateChatId(address.platform, address.chatId, newChatId);
      deps.log.info("chat migrated", { platform: address.platform, chat: chat?.id ?? null });
    },
  };
}
