/**
 * The Discord adapter: a discord.js client on the gateway for interactions and membership
 * events, the slash commands registered over REST, and the DiscordSender for deliveries, all
 * sharing one REST client (and so one rate limiter). Chat behaviour lives in src/commands;
 * this file only connects events to it.
 */
import {
  type Channel,
  Client,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  Partials,
  type REST,
  type RESTOptions,
} from "discord.js";
import type { Lifecycle } from "../../src/commands/lifecycle.ts";
import { COMMANDS, type CommandInfo, commandIndex } from "../../src/commands/table.ts";
import type { CommandHandler } from "../../src/commands/types.ts";
import { type Logger, registerSecrets } from "../../src/log.ts";
import { loadTaxonomy, type Taxonomy } from "../../src/topics/taxonomy.ts";
import { answerInteraction } from "./answer.ts";
import { registerSlashCommands } from "./commands.ts";
import { discordRestOptions } from "./rest.ts";
import { DiscordSender } from "./sender.ts";

export interface DiscordBotDeps {
  /** DISCORD_BOT_TOKEN */
  token: string;
  /** DISCORD_APPLICATION_ID */
  applicationId: string;
  /** DISCORD_API_ROOT */
  apiRoot: string;
  /** SUDI_DISCORD_GUILD_ID: also register the commands in this guild (instant updates) */
  guildId?: string | undefined;
  /**
   * The chat side (createCommandHandler's ChatBot): commands, and onBotRemoved for a channel
   * the bot can no longer post to (it left or was kicked from the guild, the channel was
   * deleted).
   */
  bot: CommandHandler & Pick<Lifecycle, "onBotRemoved">;
  /** for topic autocomplete (default: the bundled data/topics.json) */
  taxonomy?: Taxonomy;
  /** the chat commands to register (default: COMMANDS of src/commands) */
  commands?: readonly CommandInfo[];
  log: Logger;
  /** REST overrides for tests and benches (retries, offset, globalRequestsPerSecond) */
  rest?: Partial<RESTOptions>;
  /** defer a command's reply once it runs this long (default 1500 ms) */
  deferAfterMs?: number;
}

export interface DiscordBot {
  /** delivers digests through the bot's REST client */
  readonly sender: DiscordSender;
  readonly rest: REST;
  /** waits for interactions being answered, then leaves the gateway */
  stop(): Promise<void>;
}

/**
 * Registers the slash commands, connects to the gateway and resolves once the bot is online.
 * Rejects when Discord refuses the token or the commands.
 */
export async function startDiscordBot(deps: DiscordBotDeps): Promise<DiscordBot> {
  registerSecrets([deps.token]);
  const log = deps.log.child({ platform: "discord" });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    // DM channels arrive as partials: the bot never caches them, it only answers there
    partials: [Partials.Channel],
    rest: discordRestOptions({ apiRoot: deps.apiRoot, rest: deps.rest }),
  });
  client.rest.setToken(deps.token);
  const rest = client.rest;
  const inFlight = new Set<Promise<void>>();
  const commands = deps.commands ?? COMMANDS;
  const ctx = {
    rest,
    handler: deps.bot,
    taxonomy: deps.taxonomy ?? loadTaxonomy(),
    log,
    deferAfterMs: deps.deferAfterMs,
    command: commandIndex(commands),
  };

  const chatGone = (channelId: string, reason: string) => {
    try {
      deps.bot.onBotRemoved({ platform: "discord", chatId: channelId, type: "group" });
    } catch (error) {
      log.error("discord chat not deactivated", { channel: channelId, reason, error });
    }
  };

  client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: unknown) => {
    const answering = answerInteraction(data, ctx).finally(() => inFlight.delete(answering));
    inFlight.add(answering);
  });
  // Read from the raw event: discord.js empties the guild's channel cache before it emits
  // guildDelete, and every channel (threads included) may be a subscribed chat.
  client.ws.on(GatewayDispatchEvents.GuildDelete, (data: { id: string; unavailable?: boolean }) => {
    if (data.unavailable) return; // an outage, not a removal
    const guild = client.guilds.cache.get(data.id);
    log.info("discord bot removed from guild", { guild: data.id });
    for (const id of guild?.channels.cache.keys() ?? []) chatGone(id, "bot removed from guild");
  });
  const channelDeleted = (channel: Channel) => chatGone(channel.id, "channel deleted");
  client.on(Events.ChannelDelete, channelDeleted);
  client.on(Events.ThreadDelete, channelDeleted);
  client.on(Events.Error, (error) => log.error("discord client error", { error }));
  client.on(Events.ShardError, (error) => log.warn("discord gateway error", { error }));

  try {
    const registered = await registerSlashCommands(
      rest,
      deps.applicationId,
      commands,
      deps.guildId,
    );
    log.info("discord slash commands registered", {
      commands: registered.length,
      guild: deps.guildId ?? null,
    });
    await client.login(deps.token);
  } catch (error) {
    await client.destroy();
    throw error;
  }
  log.info("discord bot online", { user: client.user?.tag });

  return {
    sender: new DiscordSender(rest),
    rest,
    stop: async () => {
      await Promise.allSettled([...inFlight]);
      await client.destroy();
    },
  };
}
