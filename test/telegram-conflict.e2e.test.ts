/**
 * A second process polling with the same token: Telegram answers getUpdates with 409 Conflict
 * for as long as both poll. sudi must keep trying with backoff, warn while the conflict lasts,
 * report the polling as down to `sudi health`, and answer commands again once the other
 * poller is gone. Built through the app builder, as `sudi start` builds it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunningPlatform } from "../bots/platform.ts";
import { type App, buildApp } from "../src/app.ts";
import { main } from "../src/cli.ts";
import { createLogger } from "../src/log.ts";
import { HEARTBEAT_KEY } from "../src/schedule/scheduler.ts";
import { type FakeTelegram, fakeUser, privateChatOf, startFakeTelegram } from "./fakes/telegram.ts";

const CONFLICT = {
  error_code: 409,
  description:
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
};

let tg: FakeTelegram | undefined;
let app: App | undefined;
let running: RunningPlatform[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const r of running) await r.stop();
  running = [];
  app?.close();
  await tg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = tg = dir = undefined;
});

async function health(dbPath: string): Promise<{ code: number; report: Record<string, unknown> }> {
  const out: string[] = [];
  const code = await main(["health"], {
    out: (t) => out.push(t),
    err: () => {},
    env: { SUDI_DB_PATH: dbPath },
    stdin: new PassThrough(),
    isTty: false,
  });
  return { code, report: JSON.parse(out.join("")) };
}

describe("Telegram polling and a second poller (409 Conflict)", () => {
  it("warns and reports unhealthy while the conflict lasts, then answers commands again", async () => {
    tg = await startFakeTelegram({ limits: false });
    dir = mkdtempSync(join(tmpdir(), "sudi-conflict-"));
    const dbPath = join(dir, "sudi.db");
    const lines: string[] = [];
    app = buildApp({
      env: {
        SUDI_DB_PATH: dbPath,
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        OPENAI_API_KEY: "",
      },
      dotenv: {},
      log: createLogger({ level: "info", json: true, write: (l) => lines.push(l) }),
    });
    // The scheduler's heartbeat is fresh, so only the polling can make the bot unhealthy.
    const beat = () =>
      app?.schedule.setState(HEARTBEAT_KEY, new Date().toISOString(), new Date().toISOString());
    beat();
    expect((await health(dbPath)).code).toBe(0);

    // Another instance is polling: every getUpdates of ours is refused.
    tg.fault({ method: "getUpdates", times: Number.POSITIVE_INFINITY, error: CONFLICT });
    running = await app.startPlatforms({
      out: () => {},
      stdin: new PassThrough(),
      interactive: false,
    });
    const reader = fakeUser(301, "读者");
    const warnings = () => lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    await vi.waitFor(() => expect(warnings().length).toBeGreaterThanOrEqual(2), {
      timeout: 10_000,
    });

    const during = await health(dbPath);
    expect(during.code).toBe(1);
    expect(during.report).toMatchObject({
      healthy: false,
      components: { telegram: { ok: false, detail: expect.stringContaining("409 Conflict") } },
    });
    expect(warnings()[0]).toMatchObject({
      msg: "telegram polling conflict: another process polls with this token; retrying",
    });
    // The waits grow while the conflict lasts (backoff), rather than hammering Telegram.
    const waits = warnings().map((w) => w.retryInMs as number);
    expect(waits.slice(0, 2)).toEqual([1000, 2000]);
    // A command sent now is not lost: Telegram keeps it until someone polls successfully.
    tg.message(privateChatOf(reader), reader, "/help");

    // The other poller stops: polling resumes and the pending command is answered.
    tg.clearFaults();
    const [reply] = await tg.waitForSent(reader.id, 1, 20_000);
    expect(reply?.text).toContain("论文速递");
    beat();
    await vi.waitFor(
      async () =>
        expect((await health(dbPath)).report).toMatchObject({
          healthy: true,
          components: { telegram: { ok: true } },
        }),
      { timeout: 5000 },
    );
    expect(lines.some((l) => l.includes("telegram polling works again"))).toBe(true);
  }, 40_000);
});
