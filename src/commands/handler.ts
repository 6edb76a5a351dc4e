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
import { deepReads } from "./deep.ts";
import { MAX_MESSAGE_LENGTH, parseCommand } from "./input.ts";
import { createLifecycle, type Lifecycle } from "./lifecycle.ts";
import { paperResolver } from "./papers.ts";
import { splitMe } from "./personal.ts";
import { createPressHandler, RelabelThrottle } from "./press.ts";
import { reply } from "./reply.ts";
import type { CommandInfo, CommandKit, CommandModule } from "./spec.ts";
import { COMMAND_MODULES, COMMANDS, commandIndex, commandTable } from "./table.ts";
import type { ButtonPress, CommandHandler, Incoming, PressOutcome } from "./types.ts";

export type { CommandInfo } from "./table.ts";
export { COMMANDS } from "./table.ts";

/** What adapters hold: the command handler, button presses and the chat lifecycle events. */
export type ChatBot = CommandHandler &
  Lifecycle & {
    press(press: ButtonPress): Promise<PressOutcome>;
  };

/** A member's own variant of a command in a group: `/subscribe me 文生视频`. */
const memberVariant = (name: string) => `${name} me`;

/** The table and the implementations must name the same commands, or nothing starts. */
function checkAgainstTable(table: readonly CommandInfo[], implemented: Iterable<string>): void {
  const listed = new Set(table.map((c) => c.name));
  const have = new Set<string>();
  for (const name of implemented) {
    // a member's variant belongs to the listed command it varies
    have.add(name.endsWith(" me") ? name.slice(0, -" me".length) : name);
  }
  const missing = [...listed].filter((n) => !have.has(n));
  const unlisted = [...have].filter((n) => !listed.has(n));
  if (missing.length || unlisted.length) {
    throw new Error(
      `command table and handlers differ: no handler for [${missing.join(", ")}], not in the table: [${unlisted.join(", ")}]`,
    );
  }
}

/**
 * Builds every module's commands over `deps`. `modules` defaults to the command table's; a
 * test passes more (a throwaway command) and gives the adapters `commandTable(modules)`.
 */
export function createCommandHandler(
  deps: CommandDeps,
  modules: readonly CommandModule[] = COMMAND_MODULES,
): ChatBot {
  const table = modules === COMMAND_MODULES ? COMMANDS : commandTable(modules);
  const commandNamed = commandIndex(table);
  const taxonomy = deps.taxonomy ?? loadTaxonomy();
  const limits: CommandLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const clock = deps.clock ?? (() => new Date());
  const lifecycle = createLifecycle(deps);
  const kit: CommandKit = {
    deps,
    taxonomy,
    limits,
    resolve: paperResolver(deps, limits, clock),
    deepOf: deepReads(deps, taxonomy, limits),
    commands: table,
  };
  // A Map, not an object: "/constructor" must not find Object.prototype's.
  const commands = new Map<string, Command>();
  for (const module of modules) {
    for (const [name, command] of Object.entries<Command>(module.build(kit))) {
      commands.set(name, command);
    }
  }
  checkAgainstTable(table, commands.keys());

  async function handle(incoming: Incoming) {
    if (incoming.text.length > MAX_MESSAGE_LENGTH) {
      return [reply(T.tooLong(MAX_MESSAGE_LENGTH))];
    }
    const parsed = parseCommand(incoming.text);
    if (!parsed) return [reply(T.notACommand)];
    const spec = commandNamed(parsed.name);
    let name = spec?.name ?? parsed.name;
    let args = parsed.args;
    if (commands.has(memberVariant(name)) && splitMe(args).me) {
      // In a group, a member's own; in a private chat everything is the person's own already.
      if (incoming.chat.type === "group") name = memberVariant(name);
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
