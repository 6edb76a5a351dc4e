/**
 * `sudi start` as an operator runs it: a real child process with a Telegram token, pointed at
 * the fake Bot API and the fake arXiv. At start-up it catches up the missed announcement,
 * delivers the digest a subscribed chat is owed, answers commands, and stops cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { silentLogger } from "../src/log.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeTelegram, fakeUser, privateChatOf, startFakeTelegram } from "./fakes/telegram.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const reader = fakeUser(203, "读者");

let arxiv: FakeArxiv;
let tg: FakeTelegram;
let child: ChildProcess | undefined;
let stderr = "";
let env: Record<string, string>;

/** A port nothing listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

let metricsPort: number;

beforeAll(async () => {
  [arxiv, tg] = await Promise.all([startFakeArxiv(), startFakeTelegram({ limits: false })]);
  metricsPort = await freePort();
  env = {
    SUDI_METRICS_PORT: String(metricsPort),
    SUDI_DB_PATH: join(mkdtempSync(join(tmpdir(), "sudi-start-")), "sudi.db"),
    SUDI_CATEGORIES: "cs.CL,cs.CV,cs.LG",
    ARXIV_API_URL: arxiv.apiUrl,
    ARXIV_RSS_URL: arxiv.rssUrl,
    ARXIV_MIN_INTERVAL_MS: "0",
    OPENAI_API_KEY: "",
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    LOG_LEVEL: "info",
  };
  // A reader who subscribed to 文生视频 in a private chat before this start.
  const app = buildApp({ env, dotenv: {}, log: silentLogger });
  const chat = app.chats.ensure({
    platform: "telegram",
    chatId: String(reader.id),
    type: "private",
  });
  app.subscriptions.add(chat.id, "topic", "text-to-video", String(reader.id));
  app.close();
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await Promise.all([arxiv.close(), tg.close()]);
});

describe("sudi start with a Telegram token", () => {
  it("catches up, delivers the owed digest once, answers commands and stops on SIGTERM", async () => {
    child = spawn(process.execPath, [join(ROOT, "bin/sudi.js"), "start"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });

    // The catch-up: the missed announcement is ingested and the reader's digest goes out.
    const [digest] = await tg.waitForSent(reader.id, 1, 20_000);
    expect(digest?.text).toContain("论文速递 · 2024-04-24");
    expect(digest?.text).toContain("【文/图生视频】");
    expect(digest?.parseMode).toBe("HTML");
    expect(arxiv.requests.some((r) => r.endpoint === "feed")).toBe(true);

    // The operator scrapes /metrics on loopback: every stage counted what it did.
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    const metrics = await scrape.text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1]);
    expect(value('sudi_papers_ingested_total{type="new"}')).toBeGreaterThan(0);
    expect(value('sudi_messages_total{platform="telegram",result="sent"}')).toBeGreaterThan(0);
    expect(value('sudi_delivery_lag_seconds_count{platform="telegram"}')).toBe(1);
    expect(value("sudi_scheduler_ticks_total")).toBeGreaterThan(0);
    expect(value('sudi_cards_total{kind="fallback"}')).toBeGreaterThan(0);
    expect(value("sudi_llm_token_budget")).toBe(2_000_000);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);

    // A command is answered by the same process.
    tg.message(privateChatOf(reader), reader, "/list");
    const [, list] = await tg.waitForSent(reader.id, 2, 10_000);
    expect(list?.text).toContain("我的订阅");
    expect(list?.text).toContain("文生视频");

    // SIGTERM: a clean stop, exit code 0, and the token never reached a log line.
    const exited = new Promise<number | null>((resolve) => child?.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"run"');
    expect(stderr).not.toContain(tg.token);
    // Exactly one digest: the later messages are the /list reply only.
    expect(tg.sentTo(reader.id).filter((m) => m.text.includes("论文速递"))).toHaveLength(1);
  }, 60_000);
});
