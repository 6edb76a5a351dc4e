/**
 * `sudi serve`: the web archive and feeds alone (no bot, no scheduler), on SUDI_WEB_PORT or
 * --port, until SIGINT/SIGTERM. It reads the same database `sudi start` writes.
 */
import { buildApp, loadAppConfig } from "../app.ts";
import { startArchive } from "../web/wiring.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";
import { firstSignal } from "./signals.ts";

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { port: { type: "string" }, host: { type: "string" } });
  const env = { ...io.env };
  if (values.port !== undefined) env.SUDI_WEB_PORT = values.port;
  if (values.host !== undefined) env.SUDI_WEB_HOST = values.host;
  const config = loadAppConfig(env);
  if (config.SUDI_WEB_PORT === undefined) {
    throw new UsageError("set SUDI_WEB_PORT or pass --port");
  }
  const app = buildApp({ config });
  try {
    const signal = firstSignal();
    const server = await startArchive(app);
    io.out(`web archive on http://${config.SUDI_WEB_HOST}:${server?.port}/ (Ctrl-C stops)`);
    await signal.received;
    signal.dispose();
    await server?.stop();
  } finally {
    app.close();
  }
  return 0;
}

export const command: CliCommand = {
  name: "serve",
  help: [
    "Usage: sudi serve [--port N] [--host ADDRESS]",
    "",
    "Serves the web archive (latest announcement, days, topics, papers, search, reports) and",
    "the Atom feeds on SUDI_WEB_PORT (or --port), listening on SUDI_WEB_HOST (default 0.0.0.0).",
    "Links in feeds use SUDI_PUBLIC_URL when set. Behind a reverse proxy, SUDI_TRUST_PROXY says",
    "which forwarded client address the search rate limit trusts. Runs until SIGINT/SIGTERM.",
  ].join("\n"),
  run,
};
