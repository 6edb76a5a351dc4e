/**
 * Token checks (`sudi doctor`, and `sudi start` at start-up): a token the platform refuses is
 * named by its variable, an API root that cannot be reached is named too, and neither message
 * holds the token. Also `sudi start --no-console` with nothing configured. (The LLM line of
 * `sudi doctor` has its own tests: cli-doctor.test.ts, summarise-doctor.test.ts.)
 */
import { createServer } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { type FakeDiscord, startFakeDiscord } from "./fakes/discord.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram.ts";

let tg: FakeTelegram | undefined;
let dc: FakeDiscord | undefined;
let llm: FakeOpenAI | undefined;
afterEach(async () => {
  await tg?.close();
  await dc?.close();
  await llm?.close();
  tg = dc = llm = undefined;
});

/** The platform lines of a JSON report (the LLM's line is first). */
const platformChecks = (out: string[]) =>
  (JSON.parse(out.join("\n")).checks as { check: string; message: string }[]).filter(
    (c) => c.check !== "llm",
  );

function cli(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    run: (...argv: string[]) =>
      main(argv, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { SUDI_DB_PATH: ":memory:", LOG_LEVEL: "silent", ...env },
        stdin: new PassThrough(),
        isTty: false,
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens: connecting is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

const WRONG_TELEGRAM = "111:WrongTokenWrongTokenWrong";
const WRONG_DISCORD = "WrongDiscordToken.abc.def";

describe("sudi doctor", () => {
  it("passes good Telegram and Discord tokens (and a working LLM): exit 0", async () => {
    [tg, dc, llm] = await Promise.all([
      startFakeTelegram({ limits: false }),
      startFakeDiscord(),
      startFakeOpenAI({ apiKey: "sk-doctor-platforms" }),
    ]);
    const c = cli({
      OPENAI_BASE_URL: llm.url,
      OPENAI_API_KEY: "sk-doctor-platforms",
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      DISCORD_BOT_TOKEN: dc.token,
      DISCORD_APPLICATION_ID: dc.applicationId,
      DISCORD_API_ROOT: dc.apiRoot,
    });
    expect(await c.run("doctor", "--format", "json")).toBe(0);
    expect(platformChecks(c.out)).toEqual([
      { check: "telegram", ok: true, message: "TELEGRAM_BOT_TOKEN is valid" },
      { check: "discord", ok: true, message: "DISCORD_BOT_TOKEN is valid" },
    ]);
  });

  it("names TELEGRAM_BOT_TOKEN and DISCORD_BOT_TOKEN when the platforms answer 401", async () => {
    [tg, dc] = await Promise.all([startFakeTelegram({ limits: false }), startFakeDiscord()]);
    const c = cli({
      TELEGRAM_BOT_TOKEN: WRONG_TELEGRAM,
      TELEGRAM_API_ROOT: tg.apiRoot,
      DISCORD_BOT_TOKEN: WRONG_DISCORD,
      DISCORD_APPLICATION_ID: dc.applicationId,
      DISCORD_API_ROOT: dc.apiRoot,
    });
    expect(await c.run("doctor")).toBe(1);
    const text = c.out.join("\n");
    expect(text).toContain(
      "FAIL telegram  TELEGRAM_BOT_TOKEN is invalid or revoked (Telegram answered 401)",
    );
    expect(text).toContain(
      "FAIL discord   DISCORD_BOT_TOKEN is invalid or revoked (Discord answered 401)",
    );
    expect(text).not.toContain("WrongToken");
    expect(text).not.toContain(WRONG_DISCORD);
  });

  it("says which API root cannot be reached when the connection is refused", async () => {
    const port = await refusedPort();
    const c = cli({
      TELEGRAM_BOT_TOKEN: WRONG_TELEGRAM,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    });
    expect(await c.run("doctor", "--format", "json")).toBe(1);
    const [check = { message: "" }] = platformChecks(c.out);
    expect(check).toMatchObject({ check: "telegram", ok: false, variable: "TELEGRAM_API_ROOT" });
    expect(check.message).toBe(
      `cannot reach Telegram at TELEGRAM_API_ROOT=http://127.0.0.1:${port} (the request failed); check the network or TELEGRAM_API_ROOT`,
    );
    expect(JSON.stringify(check)).not.toContain("WrongToken");
  });

  it("reports no platform as a console-only set-up, naming what would enable one", async () => {
    const c = cli({});
    // Exit 1 here is the LLM's: no OPENAI_API_KEY. The platform line itself is fine.
    expect(await c.run("doctor")).toBe(1);
    expect(c.out.join("\n")).toMatch(/^ok {3}platforms/m);
    expect(c.out.join("\n")).toContain(
      "no chat platform configured (set TELEGRAM_BOT_TOKEN, or DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID, or sudi chats add feishu, or SUDI_SMTP_URL, SUDI_MAIL_FROM and sudi chats add email)",
    );
  });
});

describe("sudi start", () => {
  it("stops at start-up on a token the platform refuses, naming the variable (exit 78)", async () => {
    tg = await startFakeTelegram({ limits: false });
    const c = cli({ TELEGRAM_BOT_TOKEN: WRONG_TELEGRAM, TELEGRAM_API_ROOT: tg.apiRoot });
    expect(await c.run("start")).toBe(78);
    expect(c.err.join("\n")).toContain(
      "sudi start: TELEGRAM_BOT_TOKEN is invalid or revoked (Telegram answered 401)",
    );
  });

  it("exits 1 naming the API root when Telegram cannot be reached", async () => {
    const port = await refusedPort();
    const c = cli({
      TELEGRAM_BOT_TOKEN: WRONG_TELEGRAM,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    });
    expect(await c.run("start")).toBe(1);
    expect(c.err.join("\n")).toContain(`cannot reach Telegram at TELEGRAM_API_ROOT=`);
  });

  it("--no-console with no platform configured exits 78 and says what to set", async () => {
    const c = cli({});
    expect(await c.run("start", "--no-console")).toBe(78);
    const text = c.err.join("\n");
    expect(text).toContain("no chat platform is configured");
    expect(text).toContain(
      "Set TELEGRAM_BOT_TOKEN (telegram), or DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (discord)",
    );
  });
});
