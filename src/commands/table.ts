/**
 * The one command table, collected from the command modules: each module declares its
 * commands' specs beside their implementations (see spec.ts), and this file only lists the
 * modules, in menu order. Adapters read COMMANDS to build their menus (Telegram's
 * setMyCommands, Discord's slash commands) and to decide when to defer or warn; they carry no
 * command knowledge of their own. The handler (handler.ts) refuses to start when a listed
 * command has no implementation, or the other way round.
 *
 * Adding a command to a module: its spec and implementation there, its Chinese help and replies
 * in src/core/texts/. A new module: that file, plus one line here.
 */
import { CHOICE_LABELS } from "../core/texts/commands.ts";
import { DEEP_COMMANDS } from "./deep.ts";
import { FEED_COMMANDS } from "./feed.ts";
import { HELP_COMMANDS } from "./help.ts";
import { LIBRARY_COMMANDS } from "./library.ts";
import { PAPER_COMMANDS } from "./papers.ts";
import { PERSONAL_COMMANDS } from "./personal.ts";
import { REPORT_COMMANDS } from "./reports.ts";
import { SETTINGS_COMMANDS } from "./settings.ts";
import type { CommandArgument, CommandInfo, CommandModule } from "./spec.ts";
import { SUBSCRIPTION_COMMANDS } from "./subscriptions.ts";

export type { ArgumentKind, CommandArgument, CommandInfo, CommandSpec } from "./spec.ts";

/** Every command module, in the order menus and /help list their commands. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  HELP_COMMANDS,
  SUBSCRIPTION_COMMANDS,
  PAPER_COMMANDS,
  DEEP_COMMANDS,
  SETTINGS_COMMANDS,
  REPORT_COMMANDS,
  FEED_COMMANDS,
  PERSONAL_COMMANDS,
  LIBRARY_COMMANDS,
];

/** The commands of `modules` with their help, in order; throws on a name declared twice. */
export function commandTable(modules: readonly CommandModule[]): CommandInfo[] {
  const table = modules.flatMap((m) =>
    Object.entries(m.specs).map(([name, spec]): CommandInfo => {
      const { help, argument, ...rest } = spec;
      const { argument: argumentHelp, ...text } = help;
      return {
        name,
        ...rest,
        ...text,
        ...(argument ? { argument: withHelp(argument, argumentHelp) } : {}),
      };
    }),
  );
  const names = table.flatMap((c) => [c.name, ...c.aliases]);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new Error(`commands declared twice: ${twice.join(", ")}`);
  return table;
}

function withHelp(argument: CommandArgument, description: string | undefined) {
  return {
    ...argument,
    description: description ?? argument.name,
    ...(argument.choices
      ? {
          choiceLabels: Object.fromEntries(argument.choices.map((c) => [c, CHOICE_LABELS[c] ?? c])),
        }
      : {}),
  };
}

export const COMMANDS: readonly CommandInfo[] = commandTable(COMMAND_MODULES);

/** Looks a command up by name or alias (a Map: "/constructor" must find nothing). */
export function commandIndex(
  commands: readonly CommandInfo[],
): (nameOrAlias: string) => CommandInfo | undefined {
  const byName = new Map(commands.flatMap((c) => [c.name, ...c.aliases].map((n) => [n, c])));
  return (nameOrAlias) => byName.get(nameOrAlias.toLowerCase());
}

/** The command a name or alias stands for, in COMMANDS. */
export const commandNamed = commandIndex(COMMANDS);
