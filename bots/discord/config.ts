/**
 * Discord's own variables, merged into the configuration by bots/registry.ts: config.ts never
 * names them. Validated at start-up with the rest; a bad value names the variable.
 */
import { z } from "zod";
import {
  type Config,
  ConfigError,
  defineConfig,
  emptyToUndefined,
  fragmentOf,
  optionalString,
  url,
} from "../../src/config.ts";

const snowflake = (what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{15,22}$/, { error: `expected a Discord ${what} id (digits)` })
      .optional(),
  );

export const discordConfig = defineConfig({
  shape: {
    DISCORD_BOT_TOKEN: optionalString,
    DISCORD_APPLICATION_ID: snowflake("application"),
    SUDI_DISCORD_GUILD_ID: snowflake("guild"),
    DISCORD_API_ROOT: url("https://discord.com/api"),
  },
  secrets: ["DISCORD_BOT_TOKEN"],
  refine: (c) =>
    Boolean(c.DISCORD_BOT_TOKEN) !== Boolean(c.DISCORD_APPLICATION_ID)
      ? new ConfigError(
          c.DISCORD_BOT_TOKEN ? "DISCORD_APPLICATION_ID" : "DISCORD_BOT_TOKEN",
          "DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID must be set together",
        )
      : undefined,
});

/** Discord's variables of an app's configuration, typed. */
export function readDiscordConfig(config: Config) {
  return fragmentOf(config, discordConfig);
}

export type DiscordConfig = ReturnType<typeof readDiscordConfig>;
