/**
 * `sudi run-once`: one ingest, summarise and deliver round, then exit; for people who run sudi
 * from cron or CI instead of `sudi start`. The same scheduler decides what to do, so running
 * it twice, or next to a crash-resumed delivery, never sends a paper twice.
 */
import { ConsoleSender } from "../../bots/console/sender.ts";
import { openApp } from "../app.ts";
import { createChatServices } from "../commands/wiring.ts";
import type { Config } from "../config.ts";
import { loadConfig, secretsOf } from "../config.ts";
import type { Sender } from "../deliver/sender.ts";
import { createLogger } from "../log.ts";
import { createDaemon, installSignalHandlers, sendersByPlatform } from "../schedule/daemon.ts";
import type { ChatStore } from "../store/chats.ts";
import { type CliCommand, type CliIo, parseFlags } from "./command.ts";

const HELP = `Usage: sudi run-once [--respect-times]

Runs one round of the daily pipeline and exits:
  1. ingest the latest arXiv announcement if it is out and not stored yet
     (and back-fill up to 3 mailings missed since the last one stored);
  2. write the missing Chinese cards (within the LLM budget; fallback cards otherwise);
  3. resume deliveries an earlier run left unfinished, then send the newest
     ready announcement to every active, unpaused chat that has not had it.

By default step 3 ignores each chat's /settime: the time your cron line runs is the
delivery time. With --respect-times only chats whose delivery time has passed since
the announcement get it (run it every few minutes for per-chat times).

It delivers to Telegram when TELEGRAM_BOT_TOKEN is set, to Discord when
DISCORD_BOT_TOKEN is set, and prints console-chat digests on standard output.
A run never sends a paper twice to a chat, whatever runs before or after it.

One summary line is logged per run (papers ingested, cards written, tokens used,
digests sent, failures). Exit code 0 when the run had no failures, 1 otherwise.

Example crontab (22:00 Beijing time, after arXiv's 20:00 New York announcement):
  0 22 * * 0-4  cd /srv/sudi && npx sudi run-once >> run-once.log 2>&1`;

/** The Senders of every platform the configuration enables (adapters loaded only if used). */
async function sendersFor(
  config: Config,
  chats: ChatStore,
  io: CliIo,
  log: ReturnType<typeof createLogger>,
): Promise<Sender[]> {
  const senders: Sender[] = [new ConsoleSender((text) => io.out(text))];
  if (config.TELEGRAM_BOT_TOKEN) {
    const { TelegramSender } = await import("../../bots/telegram/sender.ts");
    senders.push(
      new TelegramSender({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        log,
        onChatMigrated: (from, to) => {
          chats.migrateChatId("telegram", from, to);
        },
      }),
    );
  }
  if (config.DISCORD_BOT_TOKEN) {
    const { DiscordSender } = await import("../../bots/discord/sender.ts");
    const { createDiscordRest } = await import("../../bots/discord/rest.ts");
    senders.push(
      new DiscordSender(
        createDiscordRest({ token: config.DISCORD_BOT_TOKEN, apiRoot: config.DISCORD_API_ROOT }),
      ),
    );
  }
  return senders;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { "respect-times": { type: "boolean", default: false } });
  const config = loadConfig(io.env);
  const log = createLogger({
    level: config.LOG_LEVEL,
    secrets: secretsOf(config),
    json: !io.isTty,
    write: (line) => io.err(line),
  });
  const app = openApp(config, log);
  const services = createChatServices(app);
  const senders = await sendersFor(config, services.chats, io, log);
  const daemon = createDaemon(app, services, { senders: sendersByPlatform(senders) });
  const removeHandlers = installSignalHandlers(daemon, log);
  try {
    const summary = await daemon.runOnce({ respectChatTimes: values["respect-times"] });
    return summary.failures > 0 ? 1 : 0;
  } finally {
    removeHandlers();
    await daemon.shutdown();
  }
}

export const command: CliCommand = {
  name: "run-once",
  help: HELP,
  run,
};
