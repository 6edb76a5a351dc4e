/**
 * The wiring: one place that turns a Config into the running pieces (database, logger, and the
 * services of each stage). CLI commands and bots get what they need from here.
 */
import { type Config, loadConfig, secretsOf } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { type Db, openDatabase } from "./store/db.ts";

export interface App {
  config: Config;
  log: Logger;
  db: Db;
  close(): void;
}

export function openApp(config: Config = loadConfig(), log?: Logger): App {
  const logger = log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  const db = openDatabase(config.SUDI_DB_PATH);
  return {
    config,
    log: logger,
    db,
    close: () => db.close(),
  };
}
