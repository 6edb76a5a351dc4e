/**
 * Faults must not multiply. A fan-out through the real TelegramSender and DeliveryEngine to the
 * fake Bot API meets a storage fault half way (SQLite reporting a full disk, or a write lock
 * held past the busy timeout): every lane stops before its next send, the run says so, and the
 * next run repeats at most the messages that were in flight, as after a crash. Also: the WAL
 * stays small during a fan-out, and SIGTERM starts no new message.
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { TelegramSender } from "../bots/telegram/sender.ts";
import { installSignalHandlers } from "../src/cli/signals.ts";
import { span } from "../src/core/message.ts";
import { DeliveryEngine, type DigestToDeliver } from "../src/deliver/engine.ts";
import { createLogger } from "../src/log.ts";
import type { Chat } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { boundWal, checkpointWal } from "../src/store/wal.ts";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram.ts";
import { stores } from "./helpers/delivery.ts";

const DAY = "2024-04-24";
const FAST = {
  global: { perSecond: 10_000, burst: 1 },
  chat: { perSecond: 10_000, burst: 1 },
  group: { perSecond: 10_000, burst: 1 },
};

let tg: FakeTelegram | undefined;
let dir: string | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await tg?.close();
  tg = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function logLines() {
  const lines: { level: string; msg: string; [k: string]: unknown }[] = [];
  const log = createLogger({
    level: "debug",
    json: true,
    write: (l) => lines.push(JSON.parse(l)),
  });
  return { lines, log };
}

/** Two messages a chat: two cards of 2,500 characters each. */
function digestOf(chat: Chat): DigestToDeliver {
  return {
    chat,
    announceDate: DAY,
    message: {
      blocks: [1, 2].map((n) => ({
        kind: "card" as const,
        paperId: `2404.0000${n}`,
        lines: [[span(`${chat.chatId} 第${n}篇 ${"字".repeat(2500)}`)]],
      })),
    },
  };
}

async function world(chatCount: number, options: { limits?: typeof FAST } = {}) {
  tg = await startFakeTelegram({ limits: false });
  dir = mkdtempSync(join(tmpdir(), "sudi-faults-"));
  const file = join(dir, "sudi.db");
  const s = stores(openDatabase(file));
  cleanups.push(() => s.db.close());
  const { lines, log } = logLines();
  const sender = new TelegramSender({
    token: tg.token,
    apiRoot: tg.apiRoot,
    limits: options.limits ?? FAST,
  });
  cleanups.push(() => sender.close());
  const chats = Array.from({ length: chatCount }, (_, i) =>
    s.chats.ensure({ platform: "telegram", chatId: String(5000 + i), type: "private" }),
  );
  const engine = (inFlight = 4) =>
    new DeliveryEngine(
      { outbox: s.outbox, chats: s.chats, senders: { telegram: sender }, log },
      { inFlightPerPlatform: inFlight, backoffMs: 1 },
    );
  return { ...s, chatStore: s.chats, file, fake: tg, sender, chats, engine, lines };
}

/** Messages the fake showed more than once to the same chat. */
function duplicates(fake: FakeTelegram): number {
  const seen = new Set<string>();
  let n = 0;
  for (const m of fake.sent) {
    const key = `${m.chatId}\n${m.raw}`;
    if (seen.has(key)) n++;
    seen.add(key);
  }
  return n;
}

/** Every chat has both papers, in order, each exactly once apart from `allowed` resends. */
function expectComplete(fake: FakeTelegram, chats: Chat[]): void {
  for (const chat of chats) {
    const texts = [...new Set(fake.sentTo(chat.chatId).map((m) => m.raw))];
    expect(texts.map((t) => t.split(" ").slice(0, 2).join(" "))).toEqual([
      `${chat.chatId} 第1篇`,
      `${chat.chatId} 第2篇`,
    ]);
  }
}

describe("a storage fault in the middle of a fan-out", () => {
  it("disk full (max_page_count): every lane stops, the run fails loudly, the next run repeats at most the messages in flight", async () => {
    const w = await world(200);
    const first = w.engine();
    // Half way, SQLite can no longer grow the file: a full disk, without filling one.
    void w.fake
      .waitUntil(() => w.fake.sent.length >= 120, 20_000)
      .then(() => {
        const pages = w.db.pragma("page_count", { simple: true }) as number;
        w.db.pragma(`max_page_count = ${pages}`);
      });
    const report = await first.deliverAll(w.chats.map(digestOf));
    const sentInRun = w.fake.sent.length;
    expect(report.halted).toBe(1);
    expect(report.messages).toBe(sentInRun); // the summary counts what went out
    expect(sentInRun).toBeGreaterThanOrEqual(120);
    expect(sentInRun).toBeLessThan(400);
    expect(w.lines.filter((l) => l.msg.startsWith("delivery halted"))).toHaveLength(1);
    expect(String(w.lines.find((l) => l.msg.startsWith("delivery halted"))?.error)).toMatch(
      /full/i,
    );
    const inFlight = first.window("telegram").peak;
    expect(inFlight).toBeLessThanOrEqual(4);

    // The disk has room again: the next run resumes and completes.
    w.db.pragma("max_page_count = 1073741823");
    const next = w.engine();
    await next.resume();
    const rest = await next.deliverAll(w.chats.map(digestOf));
    expect(rest.halted).toBe(0);
    expectComplete(w.fake, w.chats);
    expect(duplicates(w.fake)).toBe(report.unrecorded);
    expect(duplicates(w.fake)).toBeLessThanOrEqual(inFlight);
    expect(w.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
  }, 60_000);

  it("a write lock held past the busy timeout: at most a window goes out after it, and the next run repeats at most the messages in flight", async () => {
    const w = await world(200);
    w.db.pragma("busy_timeout = 20");
    const other = new Database(w.file);
    cleanups.push(() => other.close());
    let sentWhenLocked = -1;
    void w.fake
      .waitUntil(() => w.fake.sent.length >= 120, 20_000)
      .then(() => {
        other.exec("BEGIN IMMEDIATE");
        sentWhenLocked = w.fake.sent.length;
      });
    const first = w.engine();
    const report = await first.deliverAll(w.chats.map(digestOf));
    expect(report.halted).toBe(1);
    expect(report.messages).toBe(w.fake.sent.length);
    // After the lock came, at most a window went out: a slot is freed only once the ledger
    // recorded its message, and the first write after the lock fails and halts every lane.
    expect(w.fake.sent.length - sentWhenLocked).toBeLessThanOrEqual(first.window("telegram").peak);
    expect(w.fake.sent.length).toBeLessThan(300);
    other.exec("COMMIT");

    const next = w.engine();
    await next.resume();
    await next.deliverAll(w.chats.map(digestOf));
    expectComplete(w.fake, w.chats);
    expect(duplicates(w.fake)).toBe(report.unrecorded);
    expect(duplicates(w.fake)).toBeLessThanOrEqual(first.window("telegram").peak);
  }, 60_000);
});

describe("the write-ahead log during a fan-out", () => {
  it("stays near 1 MB with the delivery checkpoints, where SQLite's defaults let it grow past 8 MB", async () => {
    const w = await world(400);
    const walSize = () => {
      try {
        return statSync(`${w.file}-wal`).size;
      } catch {
        return 0;
      }
    };
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, walSize());
    };
    const sampler = setInterval(sample, 1);
    cleanups.push(() => clearInterval(sampler));
    // SQLite's defaults: the first 200 chats.
    await w.engine().deliverAll(w.chats.slice(0, 200).map(digestOf));
    const unbounded = peak;
    checkpointWal(w.db);
    peak = 0;
    // What the daemon sets up: a bounded WAL and a checkpoint every 200 messages.
    boundWal(w.db);
    const engine = new DeliveryEngine(
      {
        outbox: w.outbox,
        chats: w.chatStore,
        senders: { telegram: w.sender },
        checkpoint: () => checkpointWal(w.db),
      },
      { inFlightPerPlatform: 4 },
    );
    await engine.deliverAll(w.chats.slice(200).map(digestOf));
    sample();
    expect(unbounded).toBeGreaterThan(8 * 1024 * 1024);
    expect(peak).toBeLessThan(2 * 1024 * 1024);
    expect(walSize()).toBe(0); // truncated at the end of the run
    expect(w.fake.sent).toHaveLength(800);
  }, 60_000);
});

describe("shutdown in the middle of a fan-out", () => {
  it("SIGTERM starts no new message: only those already in flight arrive after it, and they are recorded", async () => {
    // Telegram's pace (about 29 a second), so most lanes wait their turn when the signal comes.
    const w = await world(120, {
      limits: {
        global: { perSecond: 29, burst: 1 },
        chat: { perSecond: 1, burst: 1 },
        group: { perSecond: 16 / 60, burst: 4 },
      },
    });
    const engine = w.engine();
    const proc = new EventEmitter() as EventEmitter & { exit: (code: number) => void };
    proc.exit = () => {};
    let stopped: Promise<void> = Promise.resolve();
    installSignalHandlers(
      {
        shutdown: () => {
          stopped = engine.stop();
          return stopped;
        },
      },
      createLogger({ level: "silent" }),
      proc as unknown as NodeJS.Process,
    );
    const run = engine.deliverAll(w.chats.map(digestOf));
    await w.fake.waitUntil(() => w.fake.sent.length >= 30, 20_000);
    const atSignal = w.fake.sent.length;
    proc.emit("SIGTERM", "SIGTERM");
    const report = await run;
    await stopped;
    const after = w.fake.sent.length - atSignal;
    expect(after).toBeLessThanOrEqual(engine.window("telegram").peak);
    expect(report.stopped).toBeGreaterThan(0);
    expect(report.messages).toBe(w.fake.sent.length);
    // Every message that went out is recorded: nothing to repeat on the next start.
    const sent = w.chats.flatMap((c) => w.outbox.entries(c.id)).filter((e) => e.state === "sent");
    expect(sent).toHaveLength(w.fake.sent.length);
  }, 60_000);
});
