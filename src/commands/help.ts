/**
 * /start and /help, and the greeting a chat gets when the bot joins: generated from the command
 * table, so the help text, Telegram's command menu and Discord's slash commands never disagree.
 */

import type { ChatType, Platform } from "../core/address.ts";
import { bold, code, type Line, type RichMessage, span } from "../core/message.ts";
import { COMMAND_HELP, T } from "../core/texts/commands.ts";
import { type CommandInfo, commandModule } from "./spec.ts";

export const HELP_COMMANDS = commandModule(
  {
    start: {
      aliases: [],
      slow: false,
      affectsDelivery: false,
      expectsDelivery: false,
      help: COMMAND_HELP.start,
    },
    help: {
      aliases: [],
      slow: false,
      affectsDelivery: false,
      expectsDelivery: false,
      help: COMMAND_HELP.help,
    },
  },
  ({ deps, commands }) => ({
    // The greeting already points to /help: /start does not repeat the whole list.
    start: ({ chat }) => [greetingMessage(chat, deps.subscriptions.count(chat.id))],
    help: ({ chat }) => [helpMessage(chat.platform, commands)],
  }),
);

function commandLines(commands: readonly CommandInfo[]): Line[] {
  return commands
    .filter((c) => c.name !== "start")
    .map((c) => {
      const aliases = c.aliases.length ? T.helpAliases(c.aliases) : "";
      const line: Line = [code(c.usage), span(` ${c.description}${aliases}`)];
      if (c.example && c.example !== c.usage) line.push(span(T.helpExample), code(c.example));
      return line;
    });
}

/** The console has one chat and no private chat to point people to. */
const hasPrivateChats = (platform: Platform) => platform !== "console";

/** The /help reply, listing `commands`. */
export function helpMessage(platform: Platform, commands: readonly CommandInfo[]): RichMessage {
  const notes: Line[] = hasPrivateChats(platform) ? [[span(T.helpGroupsNote)]] : [];
  notes.push([span(T.helpEditedNote)], [span(T.helpTopicsHint)]);
  return {
    blocks: [
      { kind: "heading", title: [bold(T.botName)], lines: [[span(T.intro)]] },
      { kind: "text", lines: commandLines(commands) },
      { kind: "footer", lines: notes },
    ],
  };
}

/** The greeting when the bot is added to a chat (or /start in one). */
export function greetingMessage(
  chat: { platform: Platform; type: ChatType; title: string | null },
  existingSubscriptions: number,
): RichMessage {
  const lines: Line[] = [
    [span(chat.type === "private" ? T.greetingPrivate : T.greetingGroup(chat.title))],
    [span(existingSubscriptions > 0 ? T.greetingBack(existingSubscriptions) : T.greetingHowTo)],
  ];
  if (chat.type !== "private" && hasPrivateChats(chat.platform)) {
    lines.push([span(T.helpGroupsNote)]);
  }
  return { blocks: [{ kind: "text", lines }] };
}
