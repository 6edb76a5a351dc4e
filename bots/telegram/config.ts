/**
 * Telegram's own variables, merged into the configuration by bots/registry.ts: config.ts
 * never names them. Validated at start-up with the rest; a bad value names the variable.
 */
import { z } from "zod";
import {
  type Config,
  ConfigError,
  defineConfig,
  emptyToUndefined,
  fragmentOf,
  int,
  optionalString,
  url,
} from "../../src/config.ts";
import { isHttpsUrl } from "../../src/core/setting-rules.ts";

export const telegramConfig = defineConfig({
  shape: {
    TELEGRAM_BOT_TOKEN: optionalString,
    TELEGRAM_API_ROOT: url("https://api.telegram.org"),
    /** when set, Telegram posts updates here instead of the bot long-polling */
    SUDI_TELEGRAM_WEBHOOK_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine(isHttpsUrl, { error: "expected an https:// URL (Telegram posts only to HTTPS)" })
        .optional(),
    ),
    SUDI_TELEGRAM_WEBHOOK_SECRET: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, { error: "expected 1-256 characters of A-Z a-z 0-9 _ -" })
        .optional(),
    ),
    /** the local port the webhook server listens on (behind the HTTPS proxy) */
    SUDI_TELEGRAM_WEBHOOK_PORT: int(8080, 1, 65535),
  },
  secrets: ["TELEGRAM_BOT_TOKEN", "SUDI_TELEGRAM_WEBHOOK_SECRET"],
  refine: (c) =>
    c.SUDI_TELEGRAM_WEBHOOK_URL && !c.SUDI_TELEGRAM_WEBHOOK_SECRET
      ? new ConfigError(
          "SUDI_TELEGRAM_WEBHOOK_SECRET",
          "a secret token is required with SUDI_TELEGRAM_WEBHOOK_URL",
        )
      : undefined,
});

/** Telegram's variables of an app's configuration, typed. */
export function readTelegramConfig(config: Config) {
  return fragmentOf(config, telegramConfig);
}

export type TelegramConfig = ReturnType<typeof readTelegramConfig>;
