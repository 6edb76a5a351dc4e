/**
 * The process the crash test kills: one `run-once` round (ingest, summarise, deliver) against
 * the fake arXiv and the fake Bot API named in the environment, on the database file in
 * SUDI_DB_PATH, with the clock set to CRASH_NOW (real time keeps passing from there). The
 * sender paces as in production (Telegram's limits) unless CRASH_PACE raises every limit to
 * that many messages/s; the delivery engine runs with its default settings.
 */

import { readTelegramConfig } from "../../bots/telegram/config.ts";
import { TelegramSender } from "../../bots/telegram/sender.ts";
import { buildApp, loadAppConfig } from "../../src/app.ts";
import type { Clock } from "../../src/core/clock.ts";
import { systemClock } from "../../src/core/clock.ts";
import { createLogger } from "../../src/log.ts";

const config = loadAppConfig(process.env, {});
const telegram = readTelegramConfig(config);
const offset = Date.parse(process.env.CRASH_NOW ?? "2024-04-24T12:00:00Z") - Date.now();
const clock: Clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };
const log = createLogger({ level: config.LOG_LEVEL, json: true });
const app = buildApp({ config, log, offline: true, clock });
const pace = Number(process.env.CRASH_PACE ?? 0);
const sender = new TelegramSender({
  token: telegram.TELEGRAM_BOT_TOKEN ?? "",
  apiRoot: telegram.TELEGRAM_API_ROOT,
  log,
  ...(pace > 0
    ? {
        limits: {
          global: { perSecond: pace, burst: 1 },
          chat: { perSecond: pace, burst: 1 },
          group: { perSecond: pace, burst: 1 },
        },
      }
    : {}),
});
const daemon = app.daemon([sender]);
const summary = await daemon.runOnce();
await daemon.shutdown();
process.stdout.write(`${JSON.stringify(summary)}\n`);
