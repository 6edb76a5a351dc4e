/**
 * Telegram as an entry of bots/registry.ts: its variables, options, token check, and how to
 * run it or deliver through it. grammY is loaded only when Telegram is actually used.
 */
import type { App } from "../../src/app.ts";
import type { PlatformAdapter } from "../platform.ts";
import { checkToken } from "../token-check.ts";
import { readTelegramConfig, telegramConfig } from "./config.ts";

/** A group that became a supergroup: the same lifecycle event, from replies and deliveries. */
function migrated(app: App) {
  return (oldChatId: string, newChatId: string) =>
    app.bot.onChatMigrated({ platform: "telegram", chatId: oldChatId, type: "group" }, newChatId);
}

export const telegram: PlatformAdapter = {
  platform: "telegram",
  enabledBy: "TELEGRAM_BOT_TOKEN",
  config: telegramConfig,
  options: {
    "chat-id": { type: "string", description: "a Telegram chat id (a group's starts with -100)" },
  },
  configured: (config) => Boolean(readTelegramConfig(config).TELEGRAM_BOT_TOKEN),
  check: async (config, options = {}) => {
    const c = readTelegramConfig(config);
    return checkToken({
      platform: "telegram",
      name: "Telegram",
      variable: "TELEGRAM_BOT_TOKEN",
      rootVariable: "TELEGRAM_API_ROOT",
      root: c.TELEGRAM_API_ROOT,
      url: `${c.TELEGRAM_API_ROOT}/bot${c.TELEGRAM_BOT_TOKEN ?? ""}/getMe`,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  },
  start: async (app) => {
    const c = readTelegramConfig(app.config);
    const { startTelegramBot, webhookFromConfig } = await import("./bot.ts");
    const bot = await startTelegramBot({
      token: c.TELEGRAM_BOT_TOKEN ?? "",
      apiRoot: c.TELEGRAM_API_ROOT,
      handler: app.bot,
      lifecycle: app.bot,
      log: app.log,
      webhook: webhookFromConfig(c),
      onHealth: (health) => app.reportHealth("telegram", health),
    });
    return { platform: "telegram", sender: bot.sender, stop: () => bot.stop() };
  },
  sender: async (app) => {
    const c = readTelegramConfig(app.config);
    const { TelegramSender } = await import("./sender.ts");
    return new TelegramSender({
      token: c.TELEGRAM_BOT_TOKEN ?? "",
      apiRoot: c.TELEGRAM_API_ROOT,
      log: app.log,
      onChatMigrated: migrated(app),
    });
  },
};
