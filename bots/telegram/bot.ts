/**
 * startTelegramBot: sudi on Telegram. It runs a grammY Bot against TELEGRAM_API_ROOT, lists
 * the commands (in Chinese) for private chats and for groups, receives updates by long polling
 * or, when configured, by webhook (the secret token checked on every call), and hands them to
 * updates.ts. It returns the TelegramSender the delivery engine sends digests with, so replies
 * and digests share one pacing of Telegram's limits.
 */
import { createServer, type Server } from "node:http";
import { Bot, webhookCallback } from "grammy";
import type { Lifecycle } from "../../src/commands/lifecycle.ts";
import type { CommandHandler } from "../../src/commands/types.ts";
import type { Config } from "../../src/config.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Logger, registerSecrets, silentLogger } from "../../src/log.ts";
import { AdminCheck } from "./admins.ts";
import { ChatQueue } from "./chat-queue.ts";
import { safeErrorText } from "./errors.ts";
import type { PaceLimits } from "./pacer.ts";
import { TelegramSender } from "./sender.ts";
import { telegramUpdates } from "./updates.ts";

/** The update types sudi asks for (my_chat_member is not in Telegram's default set for all). */
export const ALLOWED_UPDATES = [
  "message",
  "channel_post",
  "callback_query",
  "my_chat_member",
] as const;

export interface TelegramWebhookOptions {
  /** the public HTTPS URL Telegram posts updates to; its path is where the server listens */
  url: string;
  /** sent back by Telegram in X-Telegram-Bot-Api-Secret-Token: 1-256 of A-Z a-z 0-9 _ - */
  secretToken: string;
  /** local port of the HTTP server (0: any free port); default 8080 */
  port?: number;
  /** default 0.0.0.0 */
  host?: string;
}

/** Webhook mode from SUDI_TELEGRAM_WEBHOOK_*, or undefined for long polling (the default). */
export function webhookFromConfig(
  config: Pick<
    Config,
    "SUDI_TELEGRAM_WEBHOOK_URL" | "SUDI_TELEGRAM_WEBHOOK_SECRET" | "SUDI_TELEGRAM_WEBHOOK_PORT"
  >,
): TelegramWebhookOptions | undefined {
  const url = config.SUDI_TELEGRAM_WEBHOOK_URL;
  const secretToken = config.SUDI_TELEGRAM_WEBHOOK_SECRET;
  if (!url || !secretToken) return undefined;
  return { url, secretToken, port: config.SUDI_TELEGRAM_WEBHOOK_PORT };
}

export interface TelegramBotDeps {
  token: string;
  /** TELEGRAM_API_ROOT, without a trailing slash; default https://api.telegram.org */
  apiRoot?: string;
  handler: CommandHandler;
  lifecycle: Lifecycle;
  /** the command menu: name and Chinese description (src/commands COMMANDS) */
  commands: readonly { name: string; description: string }[];
  log?: Logger;
  /** pacing limits, each defaulting to TELEGRAM_PACE's (tests raise them) */
  limits?: Partial<PaceLimits>;
  clock?: Clock;
  /** how long a getChatMember answer is trusted; default 60 s */
  adminCacheMs?: number;
  /** receive updates by webhook instead of long polling */
  webhook?: TelegramWebhookOptions;
  /** long-polling timeout in seconds; default 30 */
  pollingTimeoutSeconds?: number;
  /** default 4500 ms (Telegram shows "typing" for 5 s) */
  typingIntervalMs?: number;
  /** commands queued or running at once before polling waits; default 64 */
  maxPendingUpdates?: number;
}

export interface TelegramBot {
  /** send digests with this: same rendering, splitting and pacing as replies */
  readonly sender: TelegramSender;
  /** the bot's @username */
  readonly username: string;
  /** in webhook mode, the port the local server listens on */
  readonly webhookPort?: number;
  /** settles when the bot stops receiving updates (stop(), or a fatal polling error, logged) */
  readonly done: Promise<void>;
  /** Stops receiving updates, finishes the commands in flight, then stops the sender. */
  stop(): Promise<void>;
}

/** The bot could not start (a wrong token, a webhook Telegram refused); never holds the token. */
export class TelegramStartError extends Error {
  constructor(detail: string) {
    super(`Telegram bot could not start: ${detail}`);
    this.name = "TelegramStartError";
  }
}

export async function startTelegramBot(deps: TelegramBotDeps): Promise<TelegramBot> {
  const log = (deps.log ?? silentLogger).child({ platform: "telegram" });
  const secrets = [deps.token, ...(deps.webhook ? [deps.webhook.secretToken] : [])];
  registerSecrets(secrets);
  const apiRoot = deps.apiRoot ?? "https://api.telegram.org";
  const clock = deps.clock ?? systemClock;
  const pollingTimeoutSeconds = deps.pollingTimeoutSeconds ?? 30;
  // Every call shares the client's timeout, the long poll included, so it must outlast it.
  const bot = new Bot(deps.token, {
    client: { apiRoot, timeoutSeconds: pollingTimeoutSeconds + 15 },
  });
  try {
    // getMe once, without grammY's retries (bot.init would retry a wrong API root for ever).
    bot.botInfo = await bot.api.getMe();
  } catch (err) {
    throw new TelegramStartError(safeErrorText(err, secrets));
  }
  const username = bot.botInfo.username;

  const sender = new TelegramSender({
    token: deps.token,
    apiRoot,
    log,
    clock,
    ...(deps.limits ? { limits: deps.limits } : {}),
    onChatMigrated: (oldChatId, newChatId) =>
      deps.lifecycle.onChatMigrated(
        { platform: "telegram", chatId: oldChatId, type: "group" },
        newChatId,
      ),
  });
  const queue = new ChatQueue((err, chatId) => {
    log.error("telegram update failed", { chatId, error: safeErrorText(err, secrets) });
  }, deps.maxPendingUpdates ?? 64);

  bot.use(async (_ctx, next) => {
    // One bad update never stops the others, whether it came by polling or by webhook.
    try {
      await next();
    } catch (err) {
      log.error("telegram update failed", { error: safeErrorText(err, secrets) });
    }
  });
  bot.use(
    telegramUpdates({
      handler: deps.handler,
      lifecycle: deps.lifecycle,
      sender,
      admins: new AdminCheck(bot.api, clock, deps.adminCacheMs ?? 60_000),
      queue,
      clock,
      log,
      username,
      typingIntervalMs: deps.typingIntervalMs ?? 4500,
      secrets,
    }),
  );
  bot.catch((err) =>
    log.error("telegram update failed", { error: safeErrorText(err.error, secrets) }),
  );

  await setCommandMenus(bot, deps.commands, log, secrets);

  const receiving = deps.webhook
    ? await receiveByWebhook(bot, deps.webhook, log, secrets)
    : await receiveByPolling(bot, pollingTimeoutSeconds, log, secrets);
  log.info("telegram bot started", { username, mode: deps.webhook ? "webhook" : "polling" });

  let stopping: Promise<void> | undefined;
  return {
    sender,
    username,
    ...(receiving.port !== undefined ? { webhookPort: receiving.port } : {}),
    done: receiving.done,
    stop: () => {
      stopping ??= (async () => {
        await receiving.stop();
        await queue.idle();
        sender.close();
        log.info("telegram bot stopped");
      })();
      return stopping;
    },
  };
}

/** The "/" menu, for private chats and for groups. A failure is logged, not fatal. */
async function setCommandMenus(
  bot: Bot,
  commands: TelegramBotDeps["commands"],
  log: Logger,
  secrets: string[],
): Promise<void> {
  const list = commands.map((c) => ({ command: c.name, description: c.description.slice(0, 256) }));
  for (const type of ["all_private_chats", "all_group_chats"] as const) {
    try {
      await bot.api.setMyCommands(list, { scope: { type } });
    } catch (err) {
      log.warn("telegram setMyCommands failed", {
        scope: type,
        error: safeErrorText(err, secrets),
      });
    }
  }
}

interface Receiving {
  done: Promise<void>;
  port?: number;
  stop(): Promise<void>;
}

async function receiveByPolling(
  bot: Bot,
  timeoutSeconds: number,
  log: Logger,
  secrets: string[],
): Promise<Receiving> {
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const polling = bot.start({
    allowed_updates: ALLOWED_UPDATES,
    timeout: timeoutSeconds,
    onStart: () => started(),
  });
  await Promise.race([running, polling]).catch((err: unknown) => {
    throw new TelegramStartError(safeErrorText(err, secrets));
  });
  const done = polling.catch((err: unknown) => {
    log.error("telegram polling stopped", { error: safeErrorText(err, secrets) });
  });
  return {
    done,
    stop: async () => {
      if (bot.isRunning()) {
        await bot.stop().catch((err: unknown) => {
          log.warn("telegram could not confirm the last update", {
            error: safeErrorText(err, secrets),
          });
        });
      }
      await done;
    },
  };
}

async function receiveByWebhook(
  bot: Bot,
  webhook: TelegramWebhookOptions,
  log: Logger,
  secrets: string[],
): Promise<Receiving> {
  const path = new URL(webhook.url).pathname;
  const callback = webhookCallback(bot, "http", {
    secretToken: webhook.secretToken,
    onTimeout: "return",
  });
  const server: Server = createServer((req, res) => {
    const requested = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "POST" || requested !== path) {
      res.writeHead(404).end();
      return;
    }
    callback(req, res).catch((err: unknown) => {
      log.error("telegram webhook call failed", { error: safeErrorText(err, secrets) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(webhook.port ?? 8080, webhook.host ?? "0.0.0.0", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : undefined;
  try {
    await bot.api.setWebhook(webhook.url, {
      secret_token: webhook.secretToken,
      allowed_updates: ALLOWED_UPDATES,
    });
  } catch (err) {
    server.close();
    throw new TelegramStartError(`setWebhook failed: ${safeErrorText(err, secrets)}`);
  }
  let closed!: () => void;
  const done = new Promise<void>((resolve) => {
    closed = resolve;
  });
  return {
    done,
    ...(port !== undefined ? { port } : {}),
    // The webhook stays registered: Telegram keeps updates until the bot is back.
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      closed();
    },
  };
}
