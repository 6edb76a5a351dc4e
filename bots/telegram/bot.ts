/**
 * startTelegramBot: sudi on Telegram. One grammY Bot against TELEGRAM_API_ROOT, whose one Api
 * instance serves command replies and digest deliveries alike (the TelegramSender is built on
 * it). It lists the commands (in Chinese) for private chats and for groups, and receives
 * updates by long polling with @grammyjs/runner (updates of one chat in order, chats in
 * parallel) or, when configured, by webhook (the secret token checked on every call).
 *
 * Who retries what:
 * - command replies: @grammyjs/auto-retry waits out a short 429 (a few seconds at most) and
 *   rethrows everything else;
 * - digests: the delivery engine alone (the sender classifies, it does not loop);
 * - polling: the runner retries network errors; a 409 Conflict (a second process polling
 *   with the same token) or a 401 ends a runner, and this file starts a new one with backoff,
 *   warning while it lasts and reporting the polling as down to `sudi health`.
 * The pacer (pacer.ts) keeps both under Telegram's per-chat, per-group and global limits,
 * which neither plugin does.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type Server } from "node:http";
import { autoRetry } from "@grammyjs/auto-retry";
import { type RunnerHandle, run, sequentialize } from "@grammyjs/runner";
import { Bot, type Context, GrammyError, type Transformer, webhookCallback } from "grammy";
import type { ComponentHealth } from "../../src/app.ts";
import { COMMANDS } from "../../src/commands/handler.ts";
import type { Lifecycle } from "../../src/commands/lifecycle.ts";
import type { CommandHandler } from "../../src/commands/types.ts";
import { type Clock, systemClock, wokenBy } from "../../src/core/clock.ts";
import { type Logger, registerSecrets, silentLogger } from "../../src/log.ts";
import { AdminCheck } from "./admins.ts";
import type { TelegramConfig } from "./config.ts";
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
    TelegramConfig,
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
  /** the command menu: name and Chinese description; default the command table's */
  commands?: readonly { name: string; description: string }[];
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
  /** updates being handled at once before polling waits; default 64 */
  maxPendingUpdates?: number;
  /** first wait before polling again after a 409 Conflict or a 401; doubles up to 60 s */
  pollingBackoffMs?: number;
  /** told when polling stops or works again (for `sudi health`) */
  onHealth?: (health: ComponentHealth) => void;
}

export interface TelegramBot {
  /** send digests with this: same rendering, splitting and pacing as replies */
  readonly sender: TelegramSender;
  /** the bot's @username */
  readonly username: string;
  /** in webhook mode, the port the local server listens on */
  readonly webhookPort?: number;
  /** settles when the bot stops receiving updates (after stop()) */
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

/** auto-retry for command replies: short 429s only, everything else is rethrown at once. */
export const REPLY_RETRY = {
  maxRetryAttempts: 2,
  maxDelaySeconds: 5,
  rethrowInternalServerErrors: true,
  rethrowHttpErrors: true,
} as const;

/**
 * A transformer that applies `inner` only to calls made while an update is being answered
 * (inside `scope`): replies get auto-retry, digests sent on the same Api do not.
 */
function onlyInScope(scope: AsyncLocalStorage<true>, inner: Transformer): Transformer {
  return (prev, method, payload, signal) =>
    scope.getStore() ? inner(prev, method, payload, signal) : prev(method, payload, signal);
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
    // getMe once, without retries (a wrong API root would otherwise be retried for ever).
    bot.botInfo = await bot.api.getMe();
  } catch (err) {
    throw new TelegramStartError(safeErrorText(err, secrets));
  }
  const username = bot.botInfo.username;

  const answering = new AsyncLocalStorage<true>();
  bot.api.config.use(onlyInScope(answering, autoRetry(REPLY_RETRY)));
  const polling = new PollingHealth(log, deps.onHealth);
  bot.api.config.use(async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (method === "getUpdates" && result.ok) polling.working();
    return result;
  });

  const sender = new TelegramSender({
    token: deps.token,
    apiRoot,
    api: bot.api,
    log,
    clock,
    ...(deps.limits ? { limits: deps.limits } : {}),
    onChatMigrated: (oldChatId, newChatId) =>
      deps.lifecycle.onChatMigrated(
        { platform: "telegram", chatId: oldChatId, type: "group" },
        newChatId,
      ),
  });

  const inFlight = new Set<Promise<void>>();
  let lastUpdateId = -1;
  bot.use(async (ctx, next) => {
    // A runner restarted after a conflict may be handed an update again: answer it once.
    if (ctx.update.update_id <= lastUpdateId) return;
    lastUpdateId = ctx.update.update_id;
    const handling = answering.run(true, async () => {
      // One bad update never stops the others, whether it came by polling or by webhook.
      try {
        await next();
      } catch (err) {
        log.error("telegram update failed", { error: safeErrorText(err, secrets) });
      }
    });
    inFlight.add(handling);
    try {
      await handling;
    } finally {
      inFlight.delete(handling);
    }
  });
  // Updates of one chat in order; different chats in parallel.
  bot.use(sequentialize((ctx: Context) => (ctx.chat ? String(ctx.chat.id) : undefined)));
  bot.use(
    telegramUpdates({
      handler: deps.handler,
      lifecycle: deps.lifecycle,
      sender,
      admins: new AdminCheck(bot.api, clock, deps.adminCacheMs ?? 60_000),
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

  await setCommandMenus(bot, deps.commands ?? COMMANDS, log, secrets);

  const receiving = deps.webhook
    ? await receiveByWebhook(bot, deps.webhook, log, secrets)
    : await receiveByPolling(bot, {
        timeoutSeconds: pollingTimeoutSeconds,
        concurrency: deps.maxPendingUpdates ?? 64,
        backoffMs: deps.pollingBackoffMs ?? 1000,
        health: polling,
        log,
        secrets,
      });
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
        await Promise.allSettled([...inFlight]);
        await receiving.confirm?.(lastUpdateId);
        sender.close();
        log.info("telegram bot stopped");
      })();
      return stopping;
    },
  };
}

/**
 * Whether long polling works, told to the log and to `sudi health` only when it changes: a
 * warning while another poller holds the token, an info line once updates flow again.
 */
class PollingHealth {
  private ok: boolean | undefined;

  constructor(
    private readonly log: Logger,
    private readonly onHealth: ((health: ComponentHealth) => void) | undefined,
  ) {}

  working(): void {
    if (this.ok === true) return;
    if (this.ok === false) this.log.info("telegram polling works again");
    this.ok = true;
    this.report({ ok: true });
  }

  stopped(detail: string): void {
    this.ok = false;
    this.report({ ok: false, detail });
  }

  private report(health: ComponentHealth): void {
    try {
      this.onHealth?.(health);
    } catch (error) {
      this.log.warn("telegram polling health not recorded", { error });
    }
  }
}

/** The "/" menu, for private chats and for groups. A failure is logged, not fatal. */
async function setCommandMenus(
  bot: Bot,
  commands: readonly { name: string; description: string }[],
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
  /** tells Telegram every update up to this id was handled (polling only) */
  confirm?(lastUpdateId: number): Promise<void>;
}

interface PollingOptions {
  timeoutSeconds: number;
  concurrency: number;
  backoffMs: number;
  health: PollingHealth;
  log: Logger;
  secrets: string[];
}

const MAX_POLLING_BACKOFF_MS = 60_000;

/**
 * Long polling with @grammyjs/runner, kept alive: the runner retries network errors itself
 * but ends on a 409 Conflict (another process polls with this token) or a 401; then a new
 * runner starts after a backoff (doubling to 60 s, reset once updates flow), with a warning
 * each time and the polling reported down until getUpdates succeeds again.
 */
async function receiveByPolling(bot: Bot, options: PollingOptions): Promise<Receiving> {
  const { log, secrets, health } = options;
  try {
    // A webhook left registered makes every getUpdates fail with 409; bot.start() does this too.
    await bot.api.deleteWebhook();
  } catch (err) {
    throw new TelegramStartError(`deleteWebhook failed: ${safeErrorText(err, secrets)}`);
  }
  const stopping = new AbortController();
  let runner: RunnerHandle | undefined;
  let backoff = options.backoffMs;
  // Updates flowing again: the next conflict starts from the short wait.
  bot.api.config.use(async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (method === "getUpdates" && result.ok) backoff = options.backoffMs;
    return result;
  });
  const done = (async () => {
    while (!stopping.signal.aborted) {
      runner = run(bot, {
        runner: {
          fetch: { timeout: options.timeoutSeconds, allowed_updates: ALLOWED_UPDATES },
          // Network errors: the runner tries every second for a minute (so a stop never
          // waits long), then gives up to the loop below, which logs it and backs off.
          retryInterval: 1000,
          maxRetryTime: 60_000,
          silent: true,
        },
        sink: { concurrency: options.concurrency },
      });
      try {
        await runner.task();
        continue; // ended without an error: only stop() does that
      } catch (err) {
        if (stopping.signal.aborted) break;
        const conflict = err instanceof GrammyError && err.error_code === 409;
        const detail = safeErrorText(err, secrets);
        health.stopped(
          conflict ? "another process is polling with this token (409 Conflict)" : detail,
        );
        (conflict ? log.warn : log.error)(
          conflict
            ? "telegram polling conflict: another process polls with this token; retrying"
            : "telegram polling stopped; retrying",
          { error: detail, retryInMs: backoff },
        );
      }
      await systemClock.sleep(backoff, stopping.signal).catch(wokenBy(stopping.signal));
      backoff = Math.min(backoff * 2, MAX_POLLING_BACKOFF_MS);
    }
  })();
  return {
    done,
    stop: async () => {
      stopping.abort();
      await runner?.stop();
      await done;
    },
    confirm: async (lastUpdateId) => {
      // The runner stops without telling Telegram what it handled: confirm it, so a restart
      // is not handed the last updates again.
      if (lastUpdateId < 0) return;
      await bot.api
        .getUpdates({ offset: lastUpdateId + 1, limit: 1, timeout: 0 })
        .catch((err: unknown) => {
          log.warn("telegram could not confirm the last update", {
            error: safeErrorText(err, secrets),
          });
        });
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
