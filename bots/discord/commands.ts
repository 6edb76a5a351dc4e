/**
 * Slash commands: sudi's chat commands (COMMANDS in src/commands) as Discord application
 * commands, with their Chinese descriptions, typed options and topic autocomplete, registered
 * over REST. Only what Discord adds lives here: option types, autocomplete, choices.
 */
import { type REST, Routes } from "discord.js";
import type { CommandInfo } from "../../src/commands/handler.ts";

const STRING = 3;
const INTEGER = 4;

export interface SlashOption {
  type: typeof STRING | typeof INTEGER;
  name: string;
  description: string;
  required: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string }[];
  min_value?: number;
  max_length?: number;
}

export interface SlashCommand {
  type: 1;
  name: string;
  description: string;
  options: SlashOption[];
  /** 0 guild, 1 bot DM */
  contexts: number[];
  /** 0 installed to a guild */
  integration_types: number[];
}

/** What Discord can do better than free text, per argument name. */
const OPTION_EXTRAS: Record<string, Partial<SlashOption>> = {
  topic: { autocomplete: true, max_length: 100 },
  format: {
    choices: [
      { name: "full（完整卡片）", value: "full" },
      { name: "brief（每篇一行）", value: "brief" },
    ],
  },
  count: { type: INTEGER, min_value: 1 },
};

/** Discord's rule for command and option names. */
const NAME = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;

const clip = (text: string, max: number) => {
  const chars = Array.from(text.trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
};

function optionsOf(command: CommandInfo): SlashOption[] {
  const arg = command.argument;
  if (!arg || !NAME.test(arg.name)) return [];
  const option: SlashOption = {
    type: STRING,
    name: arg.name,
    description: clip(arg.description || arg.name, 100),
    required: arg.required,
    max_length: 200,
    ...OPTION_EXTRAS[arg.name],
  };
  if (option.type !== STRING || option.choices) delete option.max_length;
  return [option];
}

/**
 * The registration body: one slash command for every chat command (aliases such as /sub are
 * left out: Discord lists commands in a picker, where a second name only adds noise).
 */
export function slashCommands(commands: readonly CommandInfo[]): SlashCommand[] {
  const seen = new Set<string>();
  const out: SlashCommand[] = [];
  for (const c of commands) {
    const name = c.name.replace(/^\//, "").toLowerCase();
    if (!NAME.test(name) || seen.has(name)) continue;
    seen.add(name);
    out.push({
      type: 1,
      name,
      description: clip(c.description || name, 100),
      options: optionsOf(c),
      contexts: [0, 1],
      integration_types: [0],
    });
  }
  return out;
}

/**
 * Replaces the application's global commands, and a guild's when `guildId` is set (guild
 * commands update at once, handy while developing; both lists then show in that guild).
 */
export async function registerSlashCommands(
  rest: REST,
  applicationId: string,
  commands: readonly CommandInfo[],
  guildId?: string,
): Promise<SlashCommand[]> {
  const body = slashCommands(commands);
  await rest.put(Routes.applicationCommands(applicationId), { body });
  if (guildId) await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body });
  return body;
}
