/**
 * Discord as an entry of bots/registry.ts: its variables, options, token check, and how to run
 * it or deliver through it. discord.js is loaded only when Discord is actually used.
 */
import type { PlatformAdapter } from "../platform.ts";
import { checkToken } from "../token-check.ts";
import { discordConfig, readDiscordConfig } from "./config.ts";

const API_VERSION = "10";

export const discord: PlatformAdapter = {
  platform: "discord",
  enabledBy: "DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID",
  config: discordConfig,
  options: {
    "channel-id": { type: "string", description: "a Discord channel id (a server channel)" },
    "user-id": { type: "string", description: "a Discord user id (a direct message)" },
  },
  configured: (config) => {
    const c = readDiscordConfig(config);
    return Boolean(c.DISCORD_BOT_TOKEN && c.DISCORD_APPLICATION_ID);
  },
  check: async (config, options = {}) => {
    const c = readDiscordConfig(config);
    return checkToken({
      platform: "discord",
      name: "Discord",
      variable: "DISCORD_BOT_TOKEN",
      rootVariable: "DISCORD_API_ROOT",
      root: c.DISCORD_API_ROOT,
      url: `${c.DISCORD_API_ROOT}/v${API_VERSION}/users/@me`,
      headers: { authorization: `Bot ${c.DISCORD_BOT_TOKEN ?? ""}` },
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  },
  start: async (app) => {
    const c = readDiscordConfig(app.config);
    const { startDiscordBot } = await import("./bot.ts");
    const bot = await startDiscordBot({
      token: c.DISCORD_BOT_TOKEN ?? "",
      applicationId: c.DISCORD_APPLICATION_ID ?? "",
      apiRoot: c.DISCORD_API_ROOT,
      guildId: c.SUDI_DISCORD_GUILD_ID,
      bot: app.bot,
      log: app.log,
    });
    return { platform: "discord", sender: bot.sender, stop: () => bot.stop() };
  },
  sender: async (app) => {
    const c = readDiscordConfig(app.config);
    const { DiscordSender } = await import("./sender.ts");
    const { createDiscordRest } = await import("./rest.ts");
    return new DiscordSender(
      createDiscordRest({ token: c.DISCORD_BOT_TOKEN ?? "", apiRoot: c.DISCORD_API_ROOT }),
    );
  },
};
