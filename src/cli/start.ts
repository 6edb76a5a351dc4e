/**
 * `sudi start` (and `npm start`): checks each configured platform's token, builds the app,
 * starts its platforms and the scheduler, and runs until SIGINT/SIGTERM. With no platform
 * configured it opens the console chat on the terminal instead (it ends at end of input),
 * unless `--no-console` says that would be a mistake (a container): then it exits 78 and
 * says what to set. Which platforms exist is bots/registry.ts's business, not this file's.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PromptScreen } from "../../bots/console/screen.ts";
import type { PlatformAdapter, RunningPlatform, TokenCheck } from "../../bots/platform.ts";
import { PLATFORMS } from "../../bots/registry.ts";
import { appSecrets, buildApp, type Daemon, loadAppConfig } from "../app.ts";
import type { Config } from "../config.ts";
import { CONSOLE } from "../core/texts/cli.ts";
import { createLogger, type Logger } from "../log.ts";
import { openDatabase } from "../store/db.ts";
import { EndpointStore } from "../store/endpoints.ts";
import type { WebServer } from "../web/server.ts";
import { startArchive } from "../web/wiring.ts";
import { type CliCommand, type CliIo, parseFlags } from "./command.ts";
import { firstSignal } from "./signals.ts";

/** How many platforms have active chats added with `sudi chats` (read before start-up). */
function managedPlatforms(dbPath: string): number {
  if (dbPath !== ":memory:" && !existsSync(dbPath)) return 0;
  const db = openDatabase(dbPath);
  try {
    return new EndpointStore(db).activePlatforms().length;
  } finally {
    db.close();
  }
}

/** Exit code of a configuration problem (EX_CONFIG), as for a bad variable. */
const EX_CONFIG = 78;

function parse(args: string[]): { noConsole: boolean } {
  const { values } = parseFlags(args, { "no-console": { type: "boolean", default: false } });
  return { noConsole: values["no-console"] };
}

/** What an operator must set for `--no-console` to have something to run. */
export function nothingConfiguredMessage(platforms: readonly PlatformAdapter[]): string {
  const options = platforms.filter((p) => !p.fallback).map((p) => `${p.enabledBy} (${p.platform})`);
  return [
    "no chat platform is configured, and --no-console forbids the console chat.",
    `Set ${options.join(", or ")} (see .env.example), or start without --no-console.`,
  ].join("\n");
}

/**
 * Asks every configured platform whether its token is good, in parallel. Returns the failed
 * checks (each naming the variable to fix); logs every result.
 */
export async function checkTokens(
  config: Config,
  platforms: readonly PlatformAdapter[],
  log: Logger,
): Promise<TokenCheck[]> {
  const checks = await Promise.all(platforms.flatMap((p) => (p.check ? [p.check(config)] : [])));
  for (const c of checks) {
    if (c.ok) log.debug("token check passed", { platform: c.platform });
    else log.error(c.message, { platform: c.platform, variable: c.variable });
  }
  return checks.filter((c) => !c.ok);
}

/** Prometheus /metrics on its own port when SUDI_METRICS_PORT is set (loopback by default). */
async function startMetrics(
  config: Config,
  log: Logger,
): Promise<{ stop(): Promise<void> } | null> {
  if (config.SUDI_METRICS_PORT === undefined) return null;
  const { startMetricsServer } = await import("./metrics-server.ts");
  const server = await startMetricsServer(
    { port: config.SUDI_METRICS_PORT, host: config.SUDI_METRICS_HOST },
    log,
  );
  return { stop: () => server.close() };
}

/** The console chat's full log: console.log next to the database (a temp dir for :memory:). */
function consoleLogFile(config: Config): string {
  const dir = config.SUDI_DB_PATH === ":memory:" ? tmpdir() : dirname(config.SUDI_DB_PATH);
  return join(dir, "console.log");
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { noConsole } = parse(args);
  const config = loadAppConfig(io.env);
  const configured = PLATFORMS.filter((p) => !p.fallback && p.configured(config));
  // Chats added with `sudi chats` (Feishu, email) run without a token: they count too.
  const managed = managedPlatforms(config.SUDI_DB_PATH);
  if (configured.length === 0 && managed === 0 && noConsole) {
    io.err(`sudi start: ${nothingConfiguredMessage(PLATFORMS)}`);
    return EX_CONFIG;
  }
  const consoleOnly = configured.length === 0 && managed === 0;
  // Log lines go to stderr; on the console chat they would interleave with the replies, so
  // there only warnings show unless LOG_LEVEL asks for more.
  const level = consoleOnly && !io.env.LOG_LEVEL ? "warn" : config.LOG_LEVEL;
  // At a terminal, log lines go above the console's prompt (one line each) and whole into a
  // file next to the database, instead of through the line being typed.
  const screen =
    consoleOnly && io.interactive && io.isTty
      ? new PromptScreen(process.stdout, consoleLogFile(config))
      : undefined;
  const log = createLogger({
    level,
    secrets: appSecrets(config),
    ...(screen ? { json: false, write: (line: string) => screen.log(line) } : {}),
  });

  const failed = await checkTokens(config, configured, log);
  if (failed.length) {
    for (const c of failed) io.err(`sudi start: ${c.message}`);
    return failed.some((c) => c.reason === "invalid") ? EX_CONFIG : 1;
  }

  const app = buildApp({ config, log, ...(io.clock ? { clock: io.clock } : {}) });
  // A stray rejection inside a platform library must be logged, not end a bot meant to run
  // for months; every sudi code path handles its own errors.
  const onRejection = (reason: unknown) =>
    log.error("unhandled rejection", { error: reason instanceof Error ? reason : String(reason) });
  process.on("unhandledRejection", onRejection);
  let running: RunningPlatform[] = [];
  let daemon: Daemon | null = null;
  let web: WebServer | null = null;
  let metrics: { stop(): Promise<void> } | null = null;
  try {
    metrics = await startMetrics(config, log);
    // The web archive and feeds, when SUDI_WEB_PORT is set.
    web = await startArchive(app);
    const interactive = Boolean(io.interactive && io.isTty);
    running = await app.startPlatforms({
      out: io.out,
      stdin: io.stdin,
      interactive,
      ...(screen ? { screen } : {}),
      ...(screen?.logFile ? { notice: CONSOLE.logNotice(screen.logFile) } : {}),
    });
    // A scripted console session (stdin not a terminal) only answers its commands: it must
    // not start a catch-up ingest over the network. An interactive console gets digests.
    if (!consoleOnly || io.interactive) {
      daemon = app.daemon(running.map((r) => r.sender));
      daemon.start().catch((error) => log.error("scheduler tick failed", { error }));
    }
    (consoleOnly ? log.debug : log.info)("sudi started", {
      adapters: running.map((r) => r.platform),
      scheduler: Boolean(daemon),
    });

    // The console chat ends at end of input; platform adapters run until a signal.
    const signal = firstSignal();
    const ended = running.flatMap((r) => (r.done ? [r.done] : []));
    await Promise.race([signal.received, ...ended]);
    signal.dispose();
  } finally {
    for (const part of [daemon, ...running, web, metrics]) {
      if (!part) continue;
      try {
        await part.stop();
      } catch (error) {
        log.error("stopping failed", { error });
      }
    }
    app.close();
    process.off("unhandledRejection", onRejection);
  }
  return 0;
}

function help(): string {
  const variables = PLATFORMS.filter((p) => !p.fallback).map(
    (p) => `  ${p.platform.padEnd(9)} ${p.enabledBy}`,
  );
  return [
    "Usage: sudi start [--no-console]",
    "",
    "Runs the configured chat platforms and the daily scheduler until SIGINT/SIGTERM.",
    "Each platform's token is checked first; a bad one stops start-up naming the variable",
    "(exit code 78). Platforms, and what enables them:",
    ...variables,
    "",
    "With none of them set, opens a console chat instead: type chat commands (/help,",
    "/subscribe 文生视频, /list ...) one per line, as an admin of a group would; it ends at",
    "end of input, so it can be scripted:",
    "",
    "  printf '/subscribe 文生视频\\n/list\\n' | npm start",
    "",
    "  --no-console   never fall back to the console chat: with no platform configured,",
    "                 exit 78 saying what to set (the Docker image starts with it)",
    "",
    "Configuration comes from the environment and .env (see .env.example).",
  ].join("\n");
}

export const command: CliCommand = {
  name: "start",
  get help() {
    return help();
  },
  run,
};
