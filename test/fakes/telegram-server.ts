/**
 * The fake Bot API in its own process, for tests that run sudi as a child process (the crash
 * test) or want the fake out of the measured process:
 *
 *   node bin/run-ts.js test/fakes/telegram-server.ts [--limits off|telegram] [--token T] [--port N]
 *
 * prints one JSON line {"apiRoot","token","port"} on stdout once it listens, then serves until
 * SIGTERM, SIGINT or the end of stdin. Drive it over HTTP: GET /_fake/state, POST
 * /_fake/update (an update), POST /_fake/fault (a FakeFault); see telegram.ts.
 */
import { startFakeTelegram } from "./telegram.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const fake = await startFakeTelegram({
  limits: arg("limits") === "off" ? false : undefined,
  ...(arg("token") ? { token: arg("token") } : {}),
  ...(arg("port") ? { port: Number(arg("port")) } : {}),
});
process.stdout.write(
  `${JSON.stringify({ apiRoot: fake.apiRoot, token: fake.token, port: fake.port })}\n`,
);

const shutdown = () => {
  void fake.close().then(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
process.stdin.on("end", shutdown);
process.stdin.resume();
