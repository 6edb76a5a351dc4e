/**
 * The one entry point for chat commands on every platform. It parses the text, finds the chat
 * (creating it on first contact), asks the adapter whether the sender is an admin only for
 * commands that change what a group receives, runs the command and turns any failure into a
 * polite Chinese reply: a bad input never crashes the bot or changes anything.
 */

import { T } from "../core/texts/commands.ts";
import { loadTaxonomy } from "../topics/taxonomy.ts";
import type { Command, CommandDeps, CommandLimits } from "./context.ts";
import { DEFAULT_LIMITS } from "./context.ts";
import { deepCommands } from "./deep.ts";
import { feedCommands } from "./feed.ts";
import { greetingMessage, helpMessage } from "./help.ts";
import { MAX_MESSAGE_LENGTH, parseCommand } from "./input.ts";
import { libraryCommands } from "./library.ts";
import { createLifecycle, type Lifecycle } from "./lifecycle.ts";
import { paperCommands, paperResolver } from "./papers.ts";
import { personalCommands, splitMe } from "./personal.ts";
import { createPressHandler, RelabelThrottle } from "./press.ts";
import { reply } from "./reply.ts";
import { reportCommands } from "./reports.ts";
import { settingsCommands } from "./settings.ts";
import { subscriptionCommands } from "./subscriptions.ts";
import { COMMAND_TABLE, commandNamed } from "./table.ts";
import type { ButtonPress, CommandHandler, Incoming, PressOutcome } from "./types.ts";

export type { CommandInfo } from "./table.ts";
export { COMMANDS } from "./table.ts";

/** What adapters hold: the command handler, button presses and the chat lifecycle events. */
export type ChatBot = CommandHandler &
  Lifecycle & {
    press(press: ButtonPress): Promise<PressOutcome>;
  };

/** Commands with a member's own variant in groups: `/subscribe me 文生视频`. */
const ME_COMMANDS = new Set(["subscribe", "unsubscribe", "follow", "unfollow", "list"]);

/** The table and the implementations must name the same commands, or nothing starts. */
function checkAgainstTable(implemented: Iterable<string>): void {
  const have = new Set(implemented);
  const listed = new Set(COMMAND_TABLE.map((c) => c.name));
  const missing = [...listed].filter((n) => !have.has(n));
  const unlisted = [...have].filter((n) => !listed.has(n));
  if (missing.length || unlisted.length) {
    throw new Error(
      `command table and handlers differ: no handler for [${missing.join(", ")}], not in the table: [${unlisted.join(", ")}]`,
    );
  }
}

export function createCommandHandler(deps: CommandDeps): ChatBot {
  const taxonomy = deps.taxonomy ?? loadTaxonomy();
  const limits: CommandLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const clock = deps.clock ?? (() => new Date());
  const lifecycle = createLifecycle(deps);
  const resolve = paperResolver(deps, limits, clock);
  const deepCmds = deepCommands(deps, taxonomy, limits, resolve);

  const personal = personalCommands(deps, deps.personal, taxonomy, limits);
  // A Map, not an object: "/constructor" must not find Object.prototype's.
  const commands = new Map<string, Command>(
    Object.entries({
      // The greeting already points to /help: /start does not repeat the whole list.
      start: (({ chat }) => [
        greetingMessage(chat, deps.subscriptions.count(chat.id)),
      ]) satisfies Command,
      help: (({ chat }) => [helpMessage(chat.platform)]) satisfies Command,
      ...subscriptionCommands(deps, taxonomy, limits),
      ...paperCommands(deps, taxonomy, resolve, deepCmds.deepOf),
      deep: deepCmds.deep,
      ask: deepCmds.ask,
      ...settingsCommands(deps),
      ...(deps.reports && deps.reportStore
        ? reportCommands({ reports: deps.reports, reportStore: deps.reportStore })
        : {}),
      ...feedCommands(deps),
      ...personal.commands,
      ...libraryCommands(deps, deps.personal),
    }),
  );
  checkAgainstTable(commands.keys());
  // A member's own variants in a group (`/subscribe me …`): not commands of their own.
  for (const [name, command] of Object.entries(personal.memberCommands)) {
    commands.set(name, command);
  }

  async function handle(incoming: Incoming) {
    if (incoming.text.length > MAX_MESSAGE_LENGTH) {
      return [reply(T.tooLong(MAX_MESSAGE_LENGTH))];
    }
    const parsed = parseCommand(incoming.text);
    if (!parsed) return [reply(T.notACommand)];
    const spec = commandNamed(parsed.name);
    let name = spec?.name ?? parsed.name;
    let args = parsed.args;
    if (ME_COMMANDS.has(name) && splitMe(args).me) {
      // In a group, a member's own; in a private chat everything is the person's own already.
      if (incoming.chat.type === "group") name = `${name} me`;
      else args = splitMe(args).rest;
    }
    const command = spec ? commands.get(name) : undefined;
    if (!spec || !command) return [reply(T.unknownCommand(parsed.name))];
    const log = deps.log.child({ command: name, platform: incoming.chat.platform });
    try {
      let chat = deps.chats.ensure(incoming.chat);
      if (!chat.active) {
        // A command came through, so the bot is evidently in the chat again.
        deps.chats.setActive(chat.id, true);
        chat = { ...chat, active: true };
      }
      // A member's own `me` variant changes only what that member is pointed to: no admin rule.
      const own = name !== spec.name;
      if (spec.affectsDelivery && !own && chat.type !== "private" && !(await incoming.isAdmin())) {
        return [reply(T.adminOnly(name))];
      }
      return await command({ incoming, chat, args, now: clock() });
    } catch (error) {
      log.error("command failed", { error });
      return [reply(T.internalError)];
    }
  }

  const press = createPressHandler({
    deps,
    runCommand: handle,
    // The hook for buttons that run a command: a `deep` command on the table takes 深读.
    hasCommand: (name) => commands.has(name),
    throttle: new RelabelThrottle(deps.relabelIntervalMs ?? 3000, (error) =>
      deps.log.warn("button counts not updated", { error }),
    ),
  });

  return {
    handle,
    press: async (p: ButtonPress): Promise<PressOutcome> => {
      try {
        return await press(p);
      } catch (error) {
        deps.log.error("button press failed", { error, platform: p.chat.platform });
        return { toast: T.internalError, replies: [] };
      }
    },
    ...lifecycle,
  };
}
