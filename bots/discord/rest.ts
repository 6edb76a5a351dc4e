/**
 * The one REST client a Discord bot uses for everything (commands, replies, broadcasts), so a
 * single @discordjs/rest instance sees every request: its per-route buckets honour Discord's
 * rate-limit headers and its global limiter paces us under 50 requests a second.
 */
import { REST, type RESTOptions } from "discord.js";

export interface DiscordRestOptions {
  token: string;
  /** DISCORD_API_ROOT, e.g. https://discord.com/api (the version is appended) */
  apiRoot: string;
  /** overrides for tests and benches (retries, timeout, offset, globalRequestsPerSecond) */
  rest?: Partial<RESTOptions>;
}

export const DISCORD_API_VERSION = "10";
/** Discord's global limit per bot. */
export const GLOBAL_REQUESTS_PER_SECOND = 50;

/** The REST options a client is built with: API root, version 10, the global limit. */
export function discordRestOptions(
  options: Omit<DiscordRestOptions, "token">,
): Partial<RESTOptions> {
  return {
    api: options.apiRoot,
    version: DISCORD_API_VERSION,
    globalRequestsPerSecond: GLOBAL_REQUESTS_PER_SECOND,
    ...options.rest,
  };
}

export function createDiscordRest(options: DiscordRestOptions): REST {
  return new REST(discordRestOptions(options)).setToken(options.token);
}
