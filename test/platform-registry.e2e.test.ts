/**
 * The platform registry and the one composition root: a platform added as one folder plus one
 * registry line gets its own variables validated, takes commands and receives digests; and
 * `sudi run-once` delivers through the same platform entries as `sudi start`, lifecycle
 * handler included.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { PLATFORMS } from "../bots/registry.ts";
import { buildApp, loadAppConfig } from "../src/app.ts";
import { ConfigError } from "../src/config.ts";
import { type Clock, systemClock } from "../src/core/clock.ts";
import { createLogger, silentLogger } from "../src/log.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeTelegram, fakeGroup, fakeUser, startFakeTelegram } from "./fakes/telegram.ts";
import { carried, type PigeonLoft, pigeon } from "./fixtures/bots/pigeon/platform.ts";

let arxiv: FakeArxiv | undefined;
let tg: FakeTelegram | undefined;
let dir: string | undefined;
afterEach(async () => {
  await arxiv?.close();
  await tg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  arxiv = tg = dir = undefined;
});

/**
 * A clock that runs from the morning after the fixtures' announcement (2024-04-24), so what
 * the scheduler expects never depends on the day the tests run.
 */
const OFFSET = Date.parse("2024-04-24T12:00:00Z") - Date.now();
const clock: Clock = { now: () => Date.now() + OFFSET, sleep: systemClock.sleep };

/** The registry with one more line. */
const WITH_PIGEON = [...PLATFORMS, pigeon];

describe("adding a platform: one folder and one registry line", () => {
  it("validates the platform's own variable, naming it", () => {
    expect(() => loadAppConfig({ PIGEON_LOFT: "Loft 7!" }, {}, WITH_PIGEON)).toThrow(ConfigError);
    expect(() => loadAppConfig({ PIGEON_LOFT: "Loft 7!" }, {}, WITH_PIGEON)).toThrow(
      /PIGEON_LOFT: expected a loft name/,
    );
  });

  it("starts it when configured, answers its commands and delivers a digest through it", async () => {
    arxiv = await startFakeArxiv();
    const app = buildApp({
      env: {
        SUDI_DB_PATH: ":memory:",
        ARXIV_RSS_URL: arxiv.rssUrl,
        ARXIV_API_URL: arxiv.apiUrl,
        ARXIV_MIN_INTERVAL_MS: "0",
        SUDI_CATEGORIES: "cs.CL,cs.CV,cs.LG",
        OPENAI_API_KEY: "",
        PIGEON_LOFT: "coop",
      },
      dotenv: {},
      log: silentLogger,
      platforms: WITH_PIGEON,
      clock,
    });
    try {
      expect(app.configuredPlatforms().map((p) => p.platform)).toEqual(["pigeon"]);
      const running = await app.startPlatforms({
        out: () => {},
        stdin: new PassThrough(),
        interactive: false,
      });
      // Configured, it replaces the console fallback.
      expect(running.map((r) => r.platform)).toEqual(["pigeon"]);
      const loft = running[0] as PigeonLoft;
      expect(await loft.say("dove-1", "/subscribe cs.CV")).toContain("cs.CV");

      const daemon = app.daemon(running.map((r) => r.sender));
      const summary = await daemon.runOnce();
      expect(summary).toMatchObject({ announceDate: "2024-04-24", digestsSent: 1, failures: 0 });
      const [digest] = carried.get("dove-1") ?? [];
      expect(digest).toContain("论文速递 · 2024-04-24");
      const chat = app.chats.find("pigeon", "dove-1");
      expect(chat && app.outbox.entries(chat.id).every((e) => e.state === "sent")).toBe(true);
      await daemon.stop();
      for (const r of running) await r.stop();
    } finally {
      app.close();
    }
  });
});

describe("run-once delivers through the same platform entries as sudi start", () => {
  it("records a group's move to a supergroup through the chat lifecycle handler", async () => {
    arxiv = await startFakeArxiv();
    tg = await startFakeTelegram({ limits: false });
    dir = mkdtempSync(join(tmpdir(), "sudi-registry-"));
    const env = {
      SUDI_DB_PATH: join(dir, "sudi.db"),
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_API_URL: arxiv.apiUrl,
      ARXIV_MIN_INTERVAL_MS: "0",
      SUDI_CATEGORIES: "cs.CL,cs.CV,cs.LG",
      OPENAI_API_KEY: "",
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      LOG_LEVEL: "info",
    };
    const setupApp = buildApp({ env, dotenv: {}, log: silentLogger });
    const group = setupApp.chats.ensure({ platform: "telegram", chatId: "-600", type: "group" });
    setupApp.subscriptions.add(group.id, "category", "cs.CV", null);
    setupApp.close();
    // The group became a supergroup while sudi was not running (no updates are read here).
    tg.migrateGroup(fakeGroup(-600, "读书会"), fakeUser(7), -1000000000600);

    // What `sudi run-once` does (src/cli/run-once.ts), with the clock pinned.
    const lines: string[] = [];
    const app = buildApp({
      env,
      dotenv: {},
      log: createLogger({ level: "info", json: true, write: (l) => lines.push(l) }),
      clock,
    });
    const senders = await app.senders({
      out: () => {},
      stdin: new PassThrough(),
      interactive: false,
    });
    expect(senders.map((s) => s.platform)).toEqual(["telegram", "console"]);
    const daemon = app.daemon(senders);
    expect((await daemon.runOnce()).failures).toBe(0);
    await daemon.shutdown();
    const log = lines.map((l) => JSON.parse(l));
    // The same lifecycle event sudi start's adapter raises, not a store write of its own.
    expect(log.some((l) => l.msg === "chat migrated" && l.platform === "telegram")).toBe(true);
    expect(tg.sentTo("-1000000000600").length).toBeGreaterThan(0);
    const check = buildApp({ env, dotenv: {}, log: silentLogger });
    expect(check.chats.find("telegram", "-1000000000600")?.id).toBe(group.id);
    check.close();
  });
});
