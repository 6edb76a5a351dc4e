/**
 * Turns Telegram updates into calls of src/commands, and sends back what they return. Thin on
 * purpose: it knows Telegram's shapes (commands, anonymous admins, membership changes,
 * migrations, button presses), never topics, subscriptions or cards.
 */
import { Composer, type Context } from "grammy";
import type { Chat, ChatMember, Message, User } from "grammy/types";
import type { Lifecycle } from "../../src/commands/lifecycle.ts";
import type { CommandHandler, Incoming } from "../../src/commands/types.ts";
import type { ChatAddress } from "../../src/core/address.ts";
import { type Clock, wokenBy } from "../../src/core/clock.ts";
import type { RichMessage } from "../../src/core/message.ts";
import { ChatGoneError } from "../../src/deliver/sender.ts";
import type { Logger } from "../../src/log.ts";
import type { AdminCheck } from "./admins.ts";
import { commandText } from "./command-text.ts";
import { safeErrorText } from "./errors.ts";
import type { TelegramSender } from "./sender.ts";

export interface UpdateDeps {
  handler: CommandHandler;
  lifecycle: Lifecycle;
  sender: TelegramSender;
  admins: AdminCheck;
  clock: Clock;
  log: Logger;
  /** the bot's username, for /cmd@username */
  username: string;
  /** how often "typing" is renewed while a command works (Telegram shows it for 5 s) */
  typingIntervalMs: number;
  /** values never to log */
  secrets: string[];
}

/** How a group digest names a member: first and last name, else the username. */
export function displayName(user: User): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ").trim();
  return name || user.username || String(user.id);
}

export function addressOf(chat: Chat): ChatAddress {
  const type = chat.type === "private" ? "private" : chat.type === "channel" ? "channel" : "group";
  const title = chat.type === "private" ? undefined : chat.title;
  return { platform: "telegram", chatId: String(chat.id), type, ...(title ? { title } : {}) };
}

/** Whether the bot is in the chat with this membership (a restricted bot may still be in). */
function present(member: ChatMember): boolean {
  return (
    member.status === "creator" ||
    member.status === "administrator" ||
    member.status === "member" ||
    (member.status === "restricted" && member.is_member)
  );
}

/** The middleware that handles every update type sudi asks Telegram for. */
export function telegramUpdates(deps: UpdateDeps): Composer<Context> {
  const { handler, lifecycle, sender, admins, log } = deps;
  const updates = new Composer<Context>();

  /** Sends replies in order; a chat that is gone is deactivated, not an error. */
  async function reply(address: ChatAddress, messages: RichMessage[], replyTo?: number) {
    let first = true;
    for (const message of messages) {
      for (const part of sender.split(message)) {
        try {
          await sender.sendPart(address, part, {
            lane: "interactive",
            ...(first && replyTo !== undefined ? { replyTo } : {}),
          });
          first = false;
        } catch (err) {
          if (!(err instanceof ChatGoneError)) throw err;
          log.info("telegram chat is gone; deactivating it", {
            chatId: address.chatId,
            detail: err.reason,
          });
          await lifecycle.onBotRemoved(address);
          return;
        }
      }
    }
  }

  /** "typing…" from the first onWorking until the command is done. */
  function typingIndicator(chatId: string) {
    const stop = new AbortController();
    let started = false;
    return {
      start() {
        if (started) return;
        started = true;
        void (async () => {
          while (!stop.signal.aborted) {
            await sender.sendChatAction(chatId, "typing");
            await deps.clock.sleep(deps.typingIntervalMs, stop.signal).catch(wokenBy(stop.signal));
          }
        })();
      },
      stop: () => stop.abort(),
    };
  }

  async function runCommand(incoming: Incoming, replyTo: number | undefined) {
    const typing = typingIndicator(incoming.chat.chatId);
    let replies: RichMessage[];
    try {
      replies = await handler.handle({ ...incoming, onWorking: () => typing.start() });
    } finally {
      typing.stop();
    }
    await reply(incoming.chat, replies, replyTo);
  }

  async function isGroupAdmin(chatId: string, userId: number): Promise<boolean> {
    try {
      return await admins.isAdmin(chatId, userId);
    } catch (err) {
      // Not knowing is answered as "not an admin": the command then explains who may use it.
      log.warn("telegram admin check failed", { chatId, error: safeErrorText(err, deps.secrets) });
      return false;
    }
  }

  /** Who may change what this chat receives: in a group, its creator or an administrator. */
  function senderIsAdmin(msg: Message): Promise<boolean> {
    if (msg.chat.type === "private" || msg.chat.type === "channel") return Promise.resolve(true);
    // An anonymous admin posts on behalf of the group itself (from: @GroupAnonymousBot).
    if (msg.sender_chat) return Promise.resolve(msg.sender_chat.id === msg.chat.id);
    if (!msg.from) return Promise.resolve(false);
    return isGroupAdmin(String(msg.chat.id), msg.from.id);
  }

  updates.on(["message", "channel_post"], async (ctx) => {
    const msg = ctx.msg;
    const address = addressOf(msg.chat);
    if (msg.migrate_to_chat_id !== undefined) {
      await lifecycle.onChatMigrated(address, String(msg.migrate_to_chat_id));
      return;
    }
    if (msg.migrate_from_chat_id !== undefined) {
      // Same move, seen from the new supergroup; the store makes the second call a no-op.
      const old: ChatAddress = { ...address, chatId: String(msg.migrate_from_chat_id) };
      await lifecycle.onChatMigrated(old, address.chatId);
      return;
    }
    const text = msg.text === undefined ? null : commandText(msg.text, deps.username);
    if (text === null) return;
    const incoming: Incoming = {
      chat: address,
      userId: String(msg.from?.id ?? msg.sender_chat?.id ?? ""),
      ...(msg.from ? { userName: displayName(msg.from) } : {}),
      text,
      isAdmin: () => senderIsAdmin(msg),
    };
    const replyTo = address.type === "group" ? msg.message_id : undefined;
    await runCommand(incoming, replyTo);
  });

  updates.on("my_chat_member", async (ctx) => {
    const change = ctx.myChatMember;
    const address = addressOf(change.chat);
    const was = present(change.old_chat_member);
    const is = present(change.new_chat_member);
    if (was === is) return;
    if (!is) {
      await lifecycle.onBotRemoved(address);
      return;
    }
    const greeting = await lifecycle.onBotAdded(address);
    // Private chats: this is an unblock, and the user's own /start greets them. Channels: a
    // greeting would be posted to every subscriber.
    if (address.type !== "group") return;
    await reply(address, [greeting]);
  });

  updates.on("callback_query:data", async (ctx) => {
    const query = ctx.callbackQuery;
    const msg = query.message;
    const answer = (text?: string) =>
      ctx.answerCallbackQuery(text ? { text } : undefined).catch((err: unknown) => {
        log.debug("telegram answerCallbackQuery failed", {
          error: safeErrorText(err, deps.secrets),
        });
      });
    // Command buttons carry "/paper 2404.14469"; vote buttons carry press data ("v1:u:…").
    const text = query.data.startsWith("/") ? commandText(query.data, deps.username) : query.data;
    if (!msg || text === null) {
      await answer();
      return;
    }
    const address = addressOf(msg.chat);
    const isAdmin = () =>
      address.type === "group"
        ? isGroupAdmin(address.chatId, query.from.id)
        : Promise.resolve(true);
    if (!handler.press) {
      await answer();
      const incoming: Incoming = { chat: address, userId: String(query.from.id), text, isAdmin };
      await runCommand(incoming, undefined);
      return;
    }
    const keyboard = "reply_markup" in msg ? (msg.reply_markup?.inline_keyboard ?? []) : [];
    const outcome = await handler.press({
      chat: address,
      userId: String(query.from.id),
      userName: displayName(query.from),
      data: text,
      message: {
        id: String(msg.message_id),
        buttons: keyboard.flat().flatMap((b) => ("callback_data" in b ? [b.callback_data] : [])),
      },
      isAdmin,
      // Counts are shown by re-labelling the keyboard in place: no message is sent.
      relabel: async (labels) => {
        const inline_keyboard = keyboard.map((row) =>
          row.map((b) =>
            "callback_data" in b ? { ...b, text: labels.get(b.callback_data) ?? b.text } : b,
          ),
        );
        await ctx.api.editMessageReplyMarkup(msg.chat.id, msg.message_id, {
          reply_markup: { inline_keyboard },
        });
      },
    });
    await answer(outcome.toast);
    if (outcome.replies.length) {
      await reply(address, outcome.replies);
    }
  });

  return updates;
}
