/**
 * `sudi start` (and `npm start`): opens the store, starts every configured adapter and the
 * scheduler, and runs until SIGINT/SIGTERM. With no platform token it opens the console chat
 * on the terminal instead, which ends at end of input.
 *
 * Each adapter has its own start function below (startTelegram, startDiscord, startScheduler):
 * the hook points where a platform is wired in. Each returns a Running (something to stop) or
 * null when it is not configured.
 */

import { runConsoleChat } from "../../bots/console/chat.ts";
import { ConsoleSender } from "../../bots/console/sender.ts";
import { startDiscordBot } from "../../bots/discord/bot.ts";
import { startTelegramBot, webhookFromConfig } from "../../bots/telegram/bot.ts";
import { type App, openApp } from "../app.ts";
import { COMMANDS } from "../commands/handler.ts";
import { type ChatServices, createChatServices } from "../commands/wiring.ts";
import { loadConfig, secretsOf } from "../config.ts";
import type { Sender } from "../deliver/sender.ts";
import { createLogger } from "../log.ts";
import { startDaemon } from "../schedule/daemon.ts";
import { type CliCommand, type CliIo, parseFlags } from "./command.ts";

/** A started part of the bot: an adapter or the scheduler. */
export interface Running {
  name: string;
  /** delivers digests to this adapter's platform, when it has one */
  sender?: Sender;
  /** finishes what is in flight and stops */
  stop(): Promise<void>;
}

/** What every start function gets. */
export interface Runtime {
  app: App;
  services: ChatServices;
  io: CliIo;
}

/** The Telegram adapter (bots/telegram), when TELEGRAM_BOT_TOKEN is set. */
export async function startTelegram(rt: Runtime): Promise<Running | null> {
  const { config, log } = rt.app;
  if (!config.TELEGRAM_BOT_TOKEN) return null;
  const bot = await startTelegramBot({
    token: config.TELEGRAM_BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    handler: rt.services.bot,
    lifecycle: rt.services.bot,
    commands: COMMANDS,
    log,
    webhook: webhookFromConfig(config),
  });
  return { name: "telegram", sender: bot.sender, stop: () => bot.stop() };
}

/** The Discord adapter (bots/discord), when DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID are set. */
export async function startDiscord(rt: Runtime): Promise<Running | null> {
  const { config, log } = rt.app;
  if (!config.DISCORD_BOT_TOKEN || !config.DISCORD_APPLICATION_ID) return null;
  const bot = await startDiscordBot({
    token: config.DISCORD_BOT_TOKEN,
    applicationId: config.DISCORD_APPLICATION_ID,
    apiRoot: config.DISCORD_API_ROOT,
    guildId: config.SUDI_DISCORD_GUILD_ID,
    bot: rt.services.bot,
    log,
  });
  return { name: "discord", sender: bot.sender, stop: () => bot.stop() };
}

/**
 * The scheduler (src/schedule), delivering through `senders` (one per started platform, the
 * console's included): daily ingest, summarise, and each chat's digest at its own time.
 */
export async function startScheduler(rt: Runtime, senders: Sender[]): Promise<Running | null> {
  return startDaemon(rt.app, rt.services, senders);
}

/**
 * The console chat: commands from standard input, replies and scheduled digests on standard
 * output. `done` settles at end of input.
 */
export function startConsole(rt: Runtime): Running & { done: Promise<void> } {
  const sender = new ConsoleSender((text) => rt.io.out(text));
  const reading = new AbortController();
  const done = runConsoleChat({
    bot: rt.services.bot,
    input: rt.io.stdin,
    write: (text) => rt.io.out(text),
    interactive: Boolean(rt.io.interactive && rt.io.isTty),
    signal: reading.signal,
  });
  return {
    name: "console",
    sender,
    done,
    stop: async () => {
      reading.abort();
      await done;
    },
  };
}

/** Settles on the first SIGINT or SIGTERM; `dispose` removes the listeners. */
function signals(): { received: Promise<NodeJS.Signals>; dispose: () => void } {
  let on: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    on = resolve;
  });
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    received,
    dispose: () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
  };
}

async function run(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, {});
  const config = loadConfig(io.env);
  // Log lines go to stderr; on the console chat they would interleave with the replies, so
  // there only warnings show unless LOG_LEVEL asks for more.
  const consoleOnly = !config.TELEGRAM_BOT_TOKEN && !config.DISCORD_BOT_TOKEN;
  const level = consoleOnly && !io.env.LOG_LEVEL ? "warn" : config.LOG_LEVEL;
  const log = createLogger({ level, secrets: secretsOf(config) });
  const app = openApp(config, log);
  const services = createChatServices(app);
  const rt: Runtime = { app, services, io };
  // A stray rejection inside a platform library must be logged, not end a bot meant to run
  // for months; every sudi code path handles its own errors.
  const onRejection = (reason: unknown) =>
    log.error("unhandled rejection", { error: reason instanceof Error ? reason : String(reason) });
  process.on("unhandledRejection", onRejection);
  const adapters = [await startTelegram(rt), await startDiscord(rt)].filter(
    (r): r is Running => r !== null,
  );
  const consoleChat = adapters.length === 0 ? startConsole(rt) : null;
  const running = consoleChat ? [consoleChat] : adapters;
  const senders = running.flatMap((r) => (r.sender ? [r.sender] : []));
  // A scripted console session (stdin not a terminal) only answers its commands: it must not
  // start a catch-up ingest over the network. An interactive console gets scheduled digests.
  const scheduler = consoleChat && !io.interactive ? null : await startScheduler(rt, senders);
  (consoleChat ? log.debug : log.info)("sudi started", {
    adapters: running.map((r) => r.name),
    scheduler: Boolean(scheduler),
  });

  // The console chat ends at end of input; platform adapters run until a signal.
  const signal = signals();
  if (consoleChat) await Promise.race([consoleChat.done, signal.received]);
  else await signal.received;
  signal.dispose();

  for (const part of [scheduler, ...running]) {
    if (!part) continue;
    try {
      await part.stop();
    } catch (error) {
      log.error("stopping failed", { part: part.name, error });
    }
  }
  app.close();
  process.off("unhandledRejection", onRejection);
  return 0;
}

export const command: CliCommand = {
  name: "start",
  help: [
    "Usage: sudi start",
    "",
    "Runs the configured adapters and the daily scheduler until SIGINT/SIGTERM.",
    "With no TELEGRAM_BOT_TOKEN and no DISCORD_BOT_TOKEN, opens a console chat instead:",
    "type chat commands (/help, /subscribe 文生视频, /list ...) one per line, as an admin",
    "of a group would; it ends at end of input, so it can be scripted:",
    "",
    "  printf '/subscribe 文生视频\\n/list\\n' | npm start",
    "",
    "Configuration comes from the environment and .env (see .env.example).",
  ].join("\n"),
  run,
};
