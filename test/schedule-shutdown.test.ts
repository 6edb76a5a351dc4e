import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import cron from "node-cron";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { EmptyFeedError } from "../src/arxiv/errors.ts";
import { installSignalHandlers } from "../src/cli/signals.ts";
import { systemClock } from "../src/core/clock.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { silentLogger } from "../src/log.ts";
import { Scheduler } from "../src/schedule/scheduler.ts";
import { ScheduleStore } from "../src/store/schedule.ts";
import { addChats, digestOf, RecordingSender, stores } from "./helpers/delivery.ts";
import { settle } from "./helpers/wait.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const idlePipeline = {
  latestIngested: () => "2024-04-24",
  ingest: async () => {
    throw new EmptyFeedError("fake", null);
  },
  summarise: async () => ({ cards: 0, tokens: 0, failures: 0 }),
};

describe("graceful shutdown", () => {
  it("stop() ends the cron jobs and waits for the message in flight, which is recorded", async () => {
    const s = stores();
    const [chat] = addChats(s.chats, 1);
    if (!chat) throw new Error("no chat");
    const sender = new RecordingSender();
    let release: () => void = () => {};
    sender.onSend = () => new Promise<void>((r) => (release = r));
    const engine = new DeliveryEngine({
      outbox: s.outbox,
      deliveries: s.deliveries,
      chats: s.chats,
      senders: { telegram: sender },
    });
    const scheduler = new Scheduler({
      clock: systemClock,
      pipeline: idlePipeline,
      digests: { forChats: () => [] },
      engine,
      chats: s.chats,
      deliveries: s.deliveries,
      store: new ScheduleStore(s.db),
    });
    const before = cron.getTasks().size;
    await scheduler.start();
    // ingest, the minute tick and the weekly store maintenance
    expect(cron.getTasks().size).toBe(before + 3);

    // (The start-up tick recorded 2024-04-24 as empty for this chat: no digest source here.)
    const delivery = engine.deliver(digestOf(chat, "2024-04-25", ["a", "b", "c", "d", "e"]));
    await settle(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false); // still waiting for the platform's answer
    release();
    await stopping;
    expect(await delivery).toBe("stopped");
    expect(cron.getTasks().size).toBe(before);
    expect(sender.delivered).toHaveLength(1);
    expect(s.deliveries.delivery(chat.id, "2024-04-25")).toMatchObject({
      state: "pending",
      partsSent: 1,
    });
    // After a stop, ticks do nothing.
    expect((await scheduler.tick()).delivery.digests).toBe(0);
  });

  it("SIGTERM and SIGINT shut the daemon down once and close the database", async () => {
    dir = mkdtempSync(join(tmpdir(), "sudi-shutdown-"));
    const app = buildApp({
      env: { SUDI_DB_PATH: join(dir, "sudi.db") },
      dotenv: {},
      log: silentLogger,
      offline: true,
    });
    const daemon = app.daemon([new RecordingSender()], { pipeline: idlePipeline });
    const closed: string[] = [];
    daemon.onShutdown(() => {
      closed.push("adapter");
    });
    await daemon.start();
    const proc = Object.assign(new EventEmitter(), {
      exit: (code?: number) => closed.push(`exit ${code}`),
    });
    const remove = installSignalHandlers(daemon, silentLogger, proc as never);
    proc.emit("SIGTERM", "SIGTERM");
    await daemon.shutdown();
    expect(app.db.open).toBe(false);
    expect(closed).toEqual(["adapter"]);
    // A second signal while shutting down exits at once.
    proc.emit("SIGTERM", "SIGTERM");
    expect(closed).toEqual(["adapter", "exit 130"]);
    remove();
  });
});
