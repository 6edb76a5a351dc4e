/**
 * The one command table: every chat command's names, what kind of argument it takes and
 * within which limits, whether it is slow, whether it changes what the chat receives (then
 * only admins may use it in a group), and where its Chinese help is (COMMAND_HELP in
 * src/core/texts/commands.ts). Adapters read it to build
 * their menus (Telegram's setMyCommands, Discord's slash commands) and to decide when to defer
 * or warn; they carry no command knowledge of their own. The handler (handler.ts) refuses to
 * start when a command here has no implementation, or the other way round.
 *
 * Adding a command: one entry here and its implementation in a module of src/commands; its
 * Chinese help and replies go in src/core/texts/commands.ts.
 */
import { CHOICE_LABELS, COMMAND_HELP, type CommandHelp } from "../core/texts/commands.ts";

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

export interface CommandSpec {
  /** lower-case, a-z and _, ≤ 32 characters (both platforms' rule) */
  name: string;
  /** other names that run the same command (menus list only the name) */
  aliases: readonly string[];
  /** may fetch, summarise or search for seconds: platforms show "working" or defer first */
  slow: boolean;
  /** changes what or when the chat receives: only its admins may use it in a group */
  affectsDelivery: boolean;
  /** after it the chat expects digests: a platform warns when the bot cannot post there */
  expectsDelivery: boolean;
  argument?: CommandArgument;
  /** the key of its Chinese help in src/core/texts/commands.ts */
  help: keyof typeof COMMAND_HELP;
}

/** Longest argument a platform form should allow (the handler checks the real rules). */
const TEXT_MAX = 200;

export const COMMAND_TABLE: readonly CommandSpec[] = [
  {
    name: "start",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    help: "start",
  },
  {
    name: "help",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    help: "help",
  },
  {
    name: "subscribe",
    aliases: ["sub"],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: true,
    argument: { name: "topic", kind: "topic", required: true, min: 1, max: 100 },
    help: "subscribe",
  },
  {
    name: "unsubscribe",
    aliases: ["unsub"],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: { name: "topic", kind: "topic", required: true, min: 1, max: 100, acceptsAll: true },
    help: "unsubscribe",
  },
  {
    name: "list",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    help: "list",
  },
  {
    name: "topics",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    help: "topics",
  },
  {
    name: "paper",
    aliases: [],
    slow: true,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "id", kind: "paper", required: true, min: 1, max: TEXT_MAX },
    help: "paper",
  },
  {
    name: "deep",
    aliases: [],
    slow: true,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "id", kind: "paper", required: true, min: 1, max: TEXT_MAX },
    help: "deep",
  },
  {
    name: "ask",
    aliases: [],
    slow: true,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "question", kind: "text", required: true, min: 3, max: 400 },
    help: "ask",
  },
  {
    name: "digest",
    aliases: [],
    slow: true,
    affectsDelivery: true,
    expectsDelivery: false,
    help: "digest",
  },
  {
    name: "search",
    aliases: [],
    slow: true,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "words", kind: "text", required: true, min: 1, max: TEXT_MAX },
    help: "search",
  },
  {
    name: "settime",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: true,
    argument: { name: "time", kind: "time", required: true, min: 1, max: TEXT_MAX },
    help: "settime",
  },
  {
    name: "pause",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    help: "pause",
  },
  {
    name: "resume",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: true,
    help: "resume",
  },
  {
    name: "setformat",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: {
      name: "format",
      kind: "choice",
      required: true,
      min: 1,
      max: 16,
      choices: ["full", "brief", "表格", "标题"],
    },
    help: "setformat",
  },
  {
    name: "setfreq",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: true,
    argument: { name: "frequency", kind: "text", required: true, min: 1, max: 32 },
    help: "setfreq",
  },
  {
    name: "report",
    aliases: [],
    // builds a period's selection and may ask Hugging Face and GitHub for popularity
    slow: true,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "period", kind: "text", required: true, min: 1, max: 32 },
    help: "report",
  },
  {
    name: "setlimit",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: { name: "count", kind: "integer", required: true, min: 1, max: 30 },
    help: "setlimit",
  },
  {
    name: "feed",
    aliases: [],
    slow: false,
    // only `/feed reset` changes anything; the command checks the admin rule for it itself
    affectsDelivery: false,
    expectsDelivery: false,
    argument: {
      name: "action",
      kind: "choice",
      required: false,
      min: 0,
      max: 5,
      choices: ["reset"],
    },
    help: "feed",
  },
  // Personal digests (issue 14): follows, mutes and the minimum score change what the chat
  // receives; the rest are a person's own.
  {
    name: "follow",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: true,
    argument: { name: "author", kind: "text", required: true, min: 1, max: TEXT_MAX },
    help: "follow",
  },
  {
    name: "unfollow",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: { name: "author", kind: "text", required: true, min: 1, max: TEXT_MAX },
    help: "unfollow",
  },
  {
    name: "mute",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: { name: "words", kind: "text", required: true, min: 1, max: 64 },
    help: "mute",
  },
  {
    name: "unmute",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: { name: "words", kind: "text", required: false, min: 1, max: 64 },
    help: "unmute",
  },
  {
    name: "setminscore",
    aliases: [],
    slow: false,
    affectsDelivery: true,
    expectsDelivery: false,
    argument: { name: "score", kind: "text", required: true, min: 1, max: 3 },
    help: "setminscore",
  },
  {
    name: "saved",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "page", kind: "integer", required: false, min: 1, max: 1000 },
    help: "saved",
  },
  {
    name: "export",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: {
      name: "format",
      kind: "choice",
      required: true,
      min: 1,
      max: 6,
      choices: ["bibtex", "csv"],
    },
    help: "export",
  },
  {
    name: "similar",
    aliases: [],
    slow: true,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: { name: "id", kind: "paper", required: true, min: 1, max: TEXT_MAX },
    help: "similar",
  },
  {
    name: "top",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    help: "top",
  },
  {
    name: "forget",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    help: "forget",
  },
  {
    name: "mention",
    aliases: [],
    slow: false,
    affectsDelivery: false,
    expectsDelivery: false,
    argument: {
      name: "state",
      kind: "choice",
      required: true,
      min: 2,
      max: 3,
      choices: ["off", "on"],
    },
    help: "mention",
  },
];

/** A command with its help, as menus and /help show it. */
export interface CommandInfo extends CommandSpec, Omit<CommandHelp, "argument"> {
  /** the argument with its Chinese description and choice labels */
  argument?: CommandArgument & { description: string; choiceLabels?: Record<string, string> };
}

export const COMMANDS: readonly CommandInfo[] = COMMAND_TABLE.map((spec) => {
  const { argument: argumentHelp, ...help }: CommandHelp = COMMAND_HELP[spec.help];
  const { argument, ...rest } = spec;
  return {
    ...rest,
    ...help,
    ...(argument
      ? {
          argument: {
            ...argument,
            description: argumentHelp ?? argument.name,
            ...(argument.choices
              ? {
                  choiceLabels: Object.fromEntries(
                    argument.choices.map((c) => [c, CHOICE_LABELS[c] ?? c]),
                  ),
                }
              : {}),
          },
        }
      : {}),
  };
});

/** The command a name or alias stands for (a Map: "/constructor" must find nothing). */
const BY_NAME = new Map(COMMANDS.flatMap((c) => [c.name, ...c.aliases].map((n) => [n, c])));

export function commandNamed(nameOrAlias: string): CommandInfo | undefined {
  return BY_NAME.get(nameOrAlias.toLowerCase());
}

/** The argument limits of a command (throws for a command without an argument). */
export function argumentOf(name: string): CommandArgument {
  const argument = commandNamed(name)?.argument;
  if (!argument) throw new Error(`command ${name} takes no argument`);
  return argument;
}
