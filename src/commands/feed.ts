/**
 * /feed: the chat's Atom feed address (the archive's /feed/chat/<token>.xml), created on first
 * use; /feed reset replaces the token, so a leaked address stops working. In a group only
 * admins may reset; anyone in the chat may see the address, as they see the digests.
 */
import { COMMAND_HELP } from "../core/texts/commands.ts";
import { FEED } from "../core/texts/web.ts";
import { webLinks } from "../core/web-links.ts";
import type { Command, CommandDeps } from "./context.ts";
import { reply } from "./reply.ts";
import { commandModule, QUICK } from "./spec.ts";

export const FEED_COMMANDS = commandModule(
  {
    feed: {
      // only `/feed reset` changes anything; the command checks the admin rule for it itself
      ...QUICK,
      argument: {
        name: "action",
        kind: "choice",
        required: false,
        min: 0,
        max: 5,
        choices: ["reset"],
      },
      help: COMMAND_HELP.feed,
    },
  },
  ({ deps }) => feedCommands(deps),
);

export function feedCommands(deps: Pick<CommandDeps, "feeds" | "links">): Record<"feed", Command> {
  const show = (token: string) =>
    deps.links ? FEED.url(deps.links.chatFeed(token)) : FEED.path(webLinks("").chatFeed(token));

  const feed: Command = async ({ args, chat, incoming }) => {
    const action = args.toLowerCase();
    if (action === "") return [reply(show(deps.feeds.ensure(chat.id)))];
    if (action !== "reset") return [reply(FEED.usage)];
    if (chat.type !== "private" && !(await incoming.isAdmin())) return [reply(FEED.resetAdminOnly)];
    return [reply(FEED.resetDone, show(deps.feeds.reset(chat.id)))];
  };
  return { feed };
}
