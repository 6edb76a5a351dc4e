/**
 * Slash commands: the command table (src/commands/table.ts) as Discord application commands,
 * with their Chinese descriptions and typed options, registered over REST. Everything about a
 * command (its argument's kind, limits, choices) comes from the table; only the mapping onto
 * Discord's option types lives here. Types and enums are discord.js's own.
 */
import {
  type APIApplicationCommandBasicOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
} from "discord.js";
import type { ArgumentKind, CommandInfo } from "../../src/commands/table.ts";

export type SlashCommand = RESTPostAPIChatInputApplicationCommandsJSONBody;
export type SlashOption = APIApplicationCommandBasicOption;

/** Discord's rule for command and option names. */
const NAME = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;
/** Discord's longest string option value. */
const MAX_STRING = 6000;

const clip = (text: string, max: number) => {
  const chars = Array.from(text.trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
};

/** How each kind of argument looks in Discord's form. */
function typedOption(
  kind: ArgumentKind,
  arg: NonNullable<CommandInfo["argument"]>,
  base: { name: string; description: string; required: boolean },
): SlashOption {
  switch (kind) {
    case "integer":
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        min_value: arg.min,
        max_value: arg.max,
      };
    case "choice":
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        choices: (arg.choices ?? []).map((value) => ({
          name: arg.choiceLabels?.[value] ?? value,
          value,
        })),
      };
    case "topic":
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        autocomplete: true,
        min_length: arg.min,
        max_length: Math.min(arg.max, MAX_STRING),
      };
    default:
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        min_length: arg.min,
        max_length: Math.min(arg.max, MAX_STRING),
      };
  }
}

function optionsOf(command: CommandInfo): SlashOption[] {
  const arg = command.argument;
  if (!arg || !NAME.test(arg.name)) return [];
  const base = {
    name: arg.name,
    description: clip(arg.description || arg.name, 100),
    required: arg.required,
  };
  return [typedOption(arg.kind, arg, base)];
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
      type: ApplicationCommandType.ChatInput,
      name,
      description: clip(c.description || name, 100),
      options: optionsOf(c),
      contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
      integration_types: [ApplicationIntegrationType.GuildInstall],
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
