/**
 * /start and /help, and the greeting a chat gets when the bot joins: generated from COMMANDS,
 * so the help text, Telegram's command menu and Discord's slash commands never disagree.
 */

import type { ChatType } from "../core/address.ts";
import { bold, code, type Line, type RichMessage, span } from "../core/message.ts";
import { T } from "../core/texts/commands.ts";
import { COMMANDS } from "./table.ts";

function commandLines(): Line[] {
  return COMMANDS.filter((c) => c.name !== "start").map((c) => {
    const aliases = c.aliases.length ? T.helpAliases(c.aliases) : "";
    const line: Line = [code(c.usage), span(` ${c.description}${aliases}`)];
    if (c.example && c.example !== c.usage) line.push(span(T.helpExample), code(c.example));
    return line;
  });
}

/** The /help reply. */
export function helpMessage(): RichMessage {
  return {
    blocks: [
      { kind: "heading", title: [bold(T.botName)], lines: [[span(T.intro)]] },
      { kind: "text", lines: commandLines() },
      { kind: "footer", lines: [[span(T.helpGroupsNote)], [span(T.helpTopicsHint)]] },
    ],
  };
}

/** The greeting when the bot is added to a chat (or /start in one). */
export function greetingMessage(
  type: ChatType,
  title: string | null,
  existingSubscriptions: number,
): RichMessage {
  const lines: Line[] = [
    [span(type === "private" ? T.greetingPrivate : T.greetingGroup(title))],
    [span(existingSubscriptions > 0 ? T.greetingBack(existingSubscriptions) : T.greetingHowTo)],
  ];
  if (type !== "private") lines.push([span(T.helpGroupsNote)]);
  return { blocks: [{ kind: "text", lines }] };
}
