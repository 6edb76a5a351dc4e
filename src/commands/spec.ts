/**
 * What a command module declares: its commands' specs (names, aliases, argument kind and
 * limits, slow or not, whether it changes what a chat receives, its Chinese help), beside the
 * function that builds their implementations. The specs are a plain static value, so the command
 * table (table.ts) collects them without building anything, and adapters read the table to build
 * their menus without a handler.
 *
 * Adding a command to a module: one entry in its specs and one implementation in what its build
 * returns (TypeScript holds the two to the same names); its Chinese help and replies go in
 * src/core/texts/.
 */
import type { RichMessage } from "../core/message.ts";
import type { CommandHelp } from "../core/texts/commands.ts";
import type { Paper } from "../store/paper.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import type { Command, CommandContext, CommandDeps, CommandLimits } from "./context.ts";
import type { PaperResolver } from "./papers.ts";

/**
 * What an argument holds, so a platform with typed options picks the right one: free text,
 * a topic (autocompleted), a whole number, one of fixed choices, a paper id or URL, a time.
 */
export type ArgumentKind = "text" | "topic" | "integer" | "choice" | "paper" | "time";

export interface CommandArgument {
  /** the option's name where platforms name options (a-z, ≤ 32) */
  name: string;
  kind: ArgumentKind;
  required: boolean;
  /** integer: the least value; otherwise the least length in characters */
  min: number;
  /** integer: the greatest value; otherwise the greatest length in characters */
  max: number;
  /** kind "choice": the accepted values */
  choices?: readonly string[];
  /** "all" is accepted too, meaning every value (`/unsubscribe all`) */
  acceptsAll?: boolean;
}

/** One command's metadata; its name is the key it is declared under. */
export interface CommandSpec {
  /** other names that run the same command (menus list only the name) */
  aliases: readonly string[];
  /** may fetch, summarise or search for seconds: platforms show "working" or defer first */
  slow: boolean;
  /** changes what or when the chat receives: only its admins may use it in a group */
  affectsDelivery: boolean;
  /** after it the chat expects digests: a platform warns when the bot cannot post there */
  expectsDelivery: boolean;
  argument?: CommandArgument;
  /** its Chinese help, from src/core/texts/ (COMMAND_HELP) */
  help: CommandHelp;
}

/** A command with its name and help, as menus and /help show it. */
export interface CommandInfo
  extends Omit<CommandSpec, "help" | "argument">,
    Omit<CommandHelp, "argument"> {
  /** lower-case, a-z and _, ≤ 32 characters (both platforms' rule) */
  name: string;
  /** the argument with its Chinese description and choice labels */
  argument?: CommandArgument & { description: string; choiceLabels?: Record<string, string> };
}

/** What every module's build gets from the handler: shared once, not built per module. */
export interface CommandKit {
  deps: CommandDeps;
  taxonomy: Taxonomy;
  limits: CommandLimits;
  /** reads a paper id typed by a user, fetching it when needed (/paper, /deep, /ask share it) */
  resolve: PaperResolver;
  /** the deep-read card of a stored paper, counted against the day's quota */
  deepOf: (paper: Paper, ctx: CommandContext) => Promise<RichMessage[]>;
  /** the commands this handler serves, in menu order (for /help) */
  commands: readonly CommandInfo[];
}

/**
 * A module's implementations, by command name. A name ending in " me" is a member's own variant
 * of a listed command in a group (`/subscribe me 文生视频`), not a command of its own.
 */
export type CommandSet<N extends string> = Record<N, Command> & {
  readonly [variant: `${string} me`]: Command;
};

export interface CommandModule<N extends string = string> {
  /** the commands' specs by name, in menu order */
  readonly specs: Readonly<Record<N, CommandSpec>>;
  /** builds the implementations, once per handler */
  readonly build: (kit: CommandKit) => CommandSet<N>;
}

/** Declares a module's commands: the specs, and the build that must implement each of them. */
export function commandModule<N extends string>(
  specs: Record<N, CommandSpec>,
  build: (kit: CommandKit) => CommandSet<N>,
): CommandModule<N> {
  return { specs, build };
}

/** Longest free-text argument a platform form should allow (the command checks the real rules). */
export const TEXT_MAX = 200;

/** A spec's flags, for the many commands that are quick and change nothing about delivery. */
export const QUICK = { aliases: [], slow: false, affectsDelivery: false, expectsDelivery: false };
