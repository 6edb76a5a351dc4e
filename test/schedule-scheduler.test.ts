import { describe, expect, it } from "vitest";
import { announcementAt, isMailingDate } from "../src/arxiv/calendar.ts";
import { ArxivNetworkError, EmptyFeedError } from "../src/arxiv/errors.ts";
import { ManualClock } from "../src/core/clock.ts";
import { addDays } from "../src/core/zoned-time.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { createLogger } from "../src/log.ts";
import { DELIVERY_LEASE_KEY } from "../src/schedule/lease.ts";
import {
  type IngestOutcome,
  type Pipeline,
  Scheduler,
  type SchedulerOptions,
} from "../src/schedule/scheduler.ts";
import type { Chat } from "../src/store/chats.ts";
import type { Db } from "../src/store/db.ts";
import type { OutboxStore } from "../src/store/outbox.ts";
import { ScheduleStore } from "../src/store/schedule.ts";
import { digestOf, RecordingSender, stores } from "./helpers/delivery.ts";

const MINUTE = 60_000;
const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * arXiv as the scheduler sees it: the feed shows the newest mailing once it is published (plus
 * an optional lag per day), is empty until then when `emptyBeforeUpdate`, and never shows a
 * day arXiv skipped. Back-fill by date always works.
 */
class FakeArxiv implements Pipeline {
  readonly ingested = new Set<string>();
  readonly attempts: { at: number; date?: string }[] = [];
  readonly lagMs = new Map<string, number>();
  readonly skipped = new Set<string>();
  emptyBeforeUpdate = false;
  /** when set, every request fails as it does offline (DNS down) */
  offline = false;

  constructor(private readonly clock: ManualClock) {}

  latestIngested(): string | null {
    return [...this.ingested].sort().at(-1) ?? null;
  }

  private shown(): string {
    let d = addDays(new Date(this.clock.now()).toISOString().slice(0, 10), 2);
    for (;;) {
      const published = announcementAt(d) + (this.lagMs.get(d) ?? 0);
      if (isMailingDate(d, this.skipped) && published <= this.clock.now()) return d;
      d = addDays(d, -1);
    }
  }

  async ingest(date?: string): Promise<IngestOutcome> {
    this.attempts.push({ at: this.clock.now(), ...(date ? { date } : {}) });
    if (this.offline) {
      const cause = Object.assign(new Error("getaddrinfo ENOTFOUND rss.arxiv.org"), {
        code: "ENOTFOUND",
      });
      throw new ArxivNetworkError("https://rss.arxiv.org/atom/cs", false, { cause });
    }
    if (date) {
      this.ingested.add(date);
      return { announceDate: date, newCount: 3, crossCount: 0 };
    }
    const shown = this.shown();
    const fresh = !this.ingested.has(shown);
    if (!fresh && this.emptyBeforeUpdate) throw new EmptyFeedError("fake feed", null);
    this.ingested.add(shown);
    return { announceDate: shown, newCount: fresh ? 3 : 0, crossCount: 0 };
  }

  async summarise() {
    return { cards: 3, tokens: 1200, failures: 0 };
  }

  feedAttempts(from: string, to: string) {
    return this.attempts.filter((a) => !a.date && a.at >= at(from) && a.at < at(to));
  }
}

/** Digests like DigestService builds them: the day's papers the chat has not had. */
function digestSource(outbox: OutboxStore) {
  return {
    forChats: (chats: Chat[], date: string) =>
      chats.flatMap((chat) => {
        const papers = [1, 2, 3].map((n) => `${date}#${n}`);
        const sent = outbox.sentAmong(chat.id, papers);
        const unsent = papers.filter((p) => !sent.has(p));
        return unsent.length ? [digestOf(chat, date, unsent)] : [];
      }),
  };
}

interface World {
  db: Db;
  clock: ManualClock;
  arxiv: FakeArxiv;
  sender: RecordingSender;
  scheduler: Scheduler;
  logs: { level: string; msg: string; [k: string]: unknown }[];
  chats: ReturnType<typeof stores>["chats"];
  outbox: OutboxStore;
  deliveries: ReturnType<typeof stores>["deliveries"];
  shanghai: Chat;
  berlin: Chat;
}

function world(start: string, options: SchedulerOptions = {}, previous?: World): World {
  const s = previous
    ? {
        db: previous.db,
        chats: previous.chats,
        outbox: previous.outbox,
        deliveries: previous.deliveries,
      }
    : stores();
  const clock = previous?.clock ?? new ManualClock(start);
  const arxiv = previous?.arxiv ?? new FakeArxiv(clock);
  const sender = previous?.sender ?? new RecordingSender(() => clock.now());
  const logs: World["logs"] = [];
  const log = createLogger({
    level: "debug",
    json: true,
    write: (line) => logs.push(JSON.parse(line)),
  });
  const engine = new DeliveryEngine({
    outbox: s.outbox,
    deliveries: s.deliveries,
    chats: s.chats,
    senders: { telegram: sender },
    clock,
    log,
  });
  const scheduler = new Scheduler(
    {
      clock,
      log,
      pipeline: arxiv,
      digests: digestSource(s.outbox),
      engine,
      chats: s.chats,
      deliveries: s.deliveries,
      store: new ScheduleStore(s.db),
    },
    options,
  );
  const shanghai =
    previous?.shanghai ??
    s.chats.update(s.chats.ensure({ platform: "telegram", chatId: "-100861", type: "group" }).id, {
      timezone: "Asia/Shanghai",
      digestTime: "09:00",
    });
  const berlin =
    previous?.berlin ??
    s.chats.update(s.chats.ensure({ platform: "telegram", chatId: "-100491", type: "group" }).id, {
      timezone: "Europe/Berlin",
      digestTime: "08:00",
    });
  return { ...s, clock, arxiv, sender, scheduler, logs, shanghai, berlin };
}

/** Ticks once a minute, as the cron trigger would, from the clock's time to `to`. */
async function runUntil(w: World, to: string): Promise<void> {
  for (let t = w.clock.now(); t <= at(to); t += MINUTE) {
    await w.clock.advanceTo(t);
    await w.scheduler.tick();
  }
}

/** When each chat got each day's digest: "announceDate @ instant", once per message part. */
function received(w: World, chat: Chat): string[] {
  const out = w.sender.to(chat.chatId).map((d) => `${d.paperIds[0]?.split("#")[0]} @ ${iso(d.at)}`);
  return [...new Set(out)];
}

describe("scheduler over a simulated week", () => {
  it("delivers Shanghai 09:00 and Berlin 08:00 at the right instants across New York's March DST change", async () => {
    const w = world("2024-03-06T12:00:00Z");
    await runUntil(w, "2024-03-13T12:00:00Z");
    expect(received(w, w.shanghai)).toEqual([
      "2024-03-06 @ 2024-03-06T12:00:00.000Z", // first start: today's mailing caught up at once
      "2024-03-07 @ 2024-03-07T01:05:00.000Z", // EST: published 09:00 Shanghai, ready 09:05
      "2024-03-08 @ 2024-03-08T01:05:00.000Z",
      "2024-03-11 @ 2024-03-11T01:00:00.000Z", // EDT: published 08:00 Shanghai, sent at 09:00
      "2024-03-12 @ 2024-03-12T01:00:00.000Z",
      "2024-03-13 @ 2024-03-13T01:00:00.000Z",
    ]);
    expect(received(w, w.berlin)).toEqual([
      "2024-03-06 @ 2024-03-06T12:00:00.000Z",
      "2024-03-07 @ 2024-03-07T07:00:00.000Z", // 08:00 CET
      "2024-03-08 @ 2024-03-08T07:00:00.000Z",
      "2024-03-11 @ 2024-03-11T07:00:00.000Z",
      "2024-03-12 @ 2024-03-12T07:00:00.000Z",
      "2024-03-13 @ 2024-03-13T07:00:00.000Z",
    ]);
    // Friday and Saturday evenings: no ingest attempt, no message on Saturday or Sunday.
    expect(w.arxiv.feedAttempts("2024-03-08T02:00:00Z", "2024-03-11T00:00:00Z")).toEqual([]);
    expect(
      w.sender.delivered.filter(
        (d) => d.at >= at("2024-03-09T00:00:00Z") && d.at < at("2024-03-11T00:00:00Z"),
      ),
    ).toEqual([]);
    // Every paper reached each chat exactly once.
    expect([...w.sender.counts().values()].every((n) => n === 1)).toBe(true);
    expect(w.sender.counts().size).toBe(2 * 6 * 3);
    // One summary line per run that did something, with the figures operators read.
    const runs = w.logs.filter((l) => l.msg === "run");
    expect(runs.length).toBeGreaterThan(0);
    expect(runs[0]).toMatchObject({
      papersIngested: 3,
      cardsWritten: 3,
      tokensUsed: 1200,
      digestsSent: 2,
    });
    expect(w.logs.filter((l) => l.level === "error")).toEqual([]);
  }, 120_000); // a simulated week, minute by minute: slow on a loaded machine

  it("follows Europe's October and New York's November DST changes", async () => {
    const w = world("2024-10-24T12:00:00Z");
    await runUntil(w, "2024-11-05T08:00:00Z");
    const sh = received(w, w.shanghai);
    const be = received(w, w.berlin);
    expect(be).toContain("2024-10-25 @ 2024-10-25T06:00:00.000Z"); // 08:00 CEST
    expect(be).toContain("2024-10-28 @ 2024-10-28T07:00:00.000Z"); // 08:00 CET from 27 Oct
    expect(sh).toContain("2024-11-01 @ 2024-11-01T01:00:00.000Z"); // New York still EDT
    expect(sh).toContain("2024-11-04 @ 2024-11-04T01:05:00.000Z"); // EST: published 09:00, ready 09:05
    expect(be).toContain("2024-11-04 @ 2024-11-04T07:00:00.000Z");
    // Ingest ran 5 minutes after 20:00 New York on both sides of the change.
    expect(
      iso(w.arxiv.feedAttempts("2024-11-01T00:00:00Z", "2024-11-01T02:00:00Z")[0]?.at ?? 0),
    ).toBe("2024-11-01T00:05:00.000Z");
    expect(
      iso(w.arxiv.feedAttempts("2024-11-04T00:00:00Z", "2024-11-04T02:00:00Z")[0]?.at ?? 0),
    ).toBe("2024-11-04T01:05:00.000Z");
    expect(sh).toHaveLength(9);
    expect(be).toHaveLength(9);
  }, 120_000); // a simulated week, minute by minute: slow on a loaded machine
});

describe("scheduler: ingest retries, holidays and catch-up", () => {
  it("retries a feed that is still empty every 5 minutes until it updates", async () => {
    const w = world("2024-04-23T23:00:00Z");
    await runUntil(w, "2024-04-23T23:00:00Z"); // catch up Tuesday's mailing first
    w.arxiv.emptyBeforeUpdate = true;
    w.arxiv.lagMs.set("2024-04-24", 32 * MINUTE); // feed updates at 20:32 New York
    await runUntil(w, "2024-04-24T02:00:00Z");
    const attempts = w.arxiv.feedAttempts("2024-04-24T00:00:00Z", "2024-04-24T02:00:00Z");
    expect(attempts.map((a) => iso(a.at).slice(11, 16))).toEqual([
      "00:05",
      "00:10",
      "00:15",
      "00:20",
      "00:25",
      "00:30",
      "00:35",
    ]);
    expect(w.arxiv.ingested.has("2024-04-24")).toBe(true);
    expect(w.logs.filter((l) => l.level === "error")).toEqual([]);
  });

  it("an announcement that never comes logs one failure, retries hourly and sends no empty digest", async () => {
    const w = world("2024-04-23T23:00:00Z");
    w.arxiv.skipped.add("2024-04-24"); // arXiv skipped a day our holiday table does not know
    await runUntil(w, "2024-04-24T23:00:00Z");
    const errors = w.logs.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ announceDate: "2024-04-24" });
    const attempts = w.arxiv.feedAttempts("2024-04-24T00:00:00Z", "2024-04-24T23:00:00Z");
    // Every 5 min for 3 hours (00:05 ... 02:55 = 35), then hourly (03:05, 04:05, ..., 22:05 = 20).
    expect(attempts).toHaveLength(35 + 20);
    // Chats got Tuesday's mailing (caught up at start) and nothing else: no empty day.
    expect(received(w, w.shanghai)).toEqual(["2024-04-23 @ 2024-04-23T23:00:00.000Z"]);
    await runUntil(w, "2024-04-25T08:00:00Z");
    expect(received(w, w.shanghai).at(-1)).toBe("2024-04-25 @ 2024-04-25T01:00:00.000Z");
  });

  it("offline, it keeps its backoff and says the network is unreachable, not that arXiv is late", async () => {
    const w = world("2024-04-24T00:00:00Z");
    w.arxiv.ingested.add("2024-04-23");
    w.arxiv.offline = true;
    await runUntil(w, "2024-04-24T05:00:00Z");
    const attempts = w.arxiv.feedAttempts("2024-04-24T00:00:00Z", "2024-04-24T05:00:00Z");
    expect(attempts).toHaveLength(35 + 2); // the same backoff as a late announcement
    expect(w.logs.some((l) => /still not available/.test(l.msg))).toBe(false);
    const offline = w.logs.filter((l) => l.msg.startsWith("network unreachable"));
    expect(offline).toHaveLength(37);
    expect(offline[0]).toMatchObject({ level: "warn", announceDate: "2024-04-24" });
    // each attempt is still a failure of its run
    expect(w.logs.filter((l) => l.msg === "run" && l.failures === 1)).toHaveLength(37);
  });

  it("on a known holiday it looks at the feed once, retries nothing and logs no failure", async () => {
    const holidays = ["2024-04-24"];
    const w = world("2024-04-23T23:00:00Z", { holidays });
    w.arxiv.skipped.add("2024-04-24");
    await runUntil(w, "2024-04-24T23:00:00Z");
    expect(w.arxiv.feedAttempts("2024-04-24T00:00:00Z", "2024-04-24T23:00:00Z")).toHaveLength(1);
    expect(w.logs.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    expect(received(w, w.berlin)).toEqual(["2024-04-23 @ 2024-04-23T23:00:00.000Z"]);
  });

  it("after downtime it ingests the missed announcement and delivers each chat's passed digest once", async () => {
    const w = world("2024-04-23T02:00:00Z");
    await runUntil(w, "2024-04-23T08:00:00Z"); // Tuesday's digests out
    // Down from Tue 04:00 New York to Wed 12:00 New York: Wednesday's ingest and both deliveries missed.
    const back = world("2024-04-24T16:00:00Z", {}, w);
    await back.clock.advanceTo(at("2024-04-24T16:00:00Z"));
    await back.scheduler.tick();
    expect(received(back, back.shanghai)).toEqual([
      "2024-04-23 @ 2024-04-23T02:00:00.000Z",
      "2024-04-24 @ 2024-04-24T16:00:00.000Z",
    ]);
    expect(received(back, back.berlin).at(-1)).toBe("2024-04-24 @ 2024-04-24T16:00:00.000Z");
    // Another restart the same day sends nothing again.
    const again = world("2024-04-24T16:30:00Z", {}, back);
    await runUntil(again, "2024-04-24T20:00:00Z");
    expect(again.sender.delivered).toHaveLength(w.sender.delivered.length);
    expect([...again.sender.counts().values()].every((n) => n === 1)).toBe(true);
  });

  it("a first start inside an announcement's ingest delay catches up on the one before at once", async () => {
    // 20:01 New York on Monday 22 April: Tuesday's mailing is a minute old, inside the delay.
    const w = world("2024-04-23T00:01:00Z");
    await w.scheduler.tick();
    expect(w.arxiv.attempts).toHaveLength(1);
    expect(w.arxiv.latestIngested()).not.toBeNull();
    // and once the delay has passed, the new mailing is expected and ingested
    await runUntil(w, "2024-04-23T00:10:00Z");
    expect(w.arxiv.latestIngested()).toBe("2024-04-23");
  });

  it("after days of downtime it back-fills the missed mailings and sends only the newest digest", async () => {
    const w = world("2024-04-22T12:00:00Z");
    await runUntil(w, "2024-04-22T12:00:00Z");
    const back = world("2024-04-25T12:00:00Z", {}, w);
    await back.clock.advanceTo(at("2024-04-25T12:00:00Z"));
    await back.scheduler.tick();
    expect(back.arxiv.attempts.filter((a) => a.date).map((a) => a.date)).toEqual([
      "2024-04-24",
      "2024-04-23",
    ]);
    expect(received(back, back.shanghai)).toEqual([
      "2024-04-22 @ 2024-04-22T12:00:00.000Z",
      "2024-04-25 @ 2024-04-25T12:00:00.000Z",
    ]);
  });

  it("skips paused and inactive chats; a chat resumed later the same day still gets its digest", async () => {
    const w = world("2024-04-24T00:30:00Z");
    w.chats.update(w.shanghai.id, { paused: true });
    w.chats.setActive(w.berlin.id, false);
    await runUntil(w, "2024-04-24T09:00:00Z");
    expect(w.sender.delivered).toEqual([]);
    w.chats.update(w.shanghai.id, { paused: false });
    await runUntil(w, "2024-04-24T09:01:00Z");
    expect(received(w, w.shanghai)).toEqual(["2024-04-24 @ 2024-04-24T09:00:00.000Z"]);
    expect(received(w, w.berlin)).toEqual([]);
  });

  it("only one process delivers at a time; a holder that went silent is taken over after the lease", async () => {
    const a = world("2024-04-24T00:59:00Z", { owner: "host-a:1" });
    await a.scheduler.tick(); // ingested and ready; nobody due yet; the lease is given back
    // A process on another host took the lease and died mid-delivery, without giving it back.
    new ScheduleStore(a.db).acquireLease(
      DELIVERY_LEASE_KEY,
      "host-x:9",
      a.clock.now(),
      180_000,
      () => false,
    );
    const b = world("2024-04-24T01:00:00Z", { owner: "host-b:2" }, a);
    await b.clock.advanceTo(at("2024-04-24T01:00:00Z"));
    await b.scheduler.tick();
    expect(b.sender.delivered).toEqual([]); // Shanghai is due, but host-x holds the lease
    expect(b.logs.filter((l) => l.level === "warn").map((l) => l.holder)).toEqual(["host-x:9"]);
    // Not renewed for 3 minutes: b takes over and delivers; then a and b take turns.
    await runUntil(b, "2024-04-24T01:02:00Z");
    expect(b.sender.delivered).toEqual([]);
    await runUntil(b, "2024-04-24T01:03:00Z");
    expect(received(b, b.shanghai)).toEqual(["2024-04-24 @ 2024-04-24T01:03:00.000Z"]);
    for (let t = b.clock.now(); t <= at("2024-04-24T06:00:00Z"); t += MINUTE) {
      await b.clock.advanceTo(t);
      await a.scheduler.tick();
      await b.scheduler.tick();
    }
    expect(received(b, b.berlin)).toEqual(["2024-04-24 @ 2024-04-24T06:00:00.000Z"]); // 08:00 CEST
    expect([...b.sender.counts().values()].every((n) => n === 1)).toBe(true);
  });
});

describe("scheduler: the delivery lease", () => {
  /** Holds the `n`th send (1-based) until the returned function is called. */
  function holdSend(w: World, n: number): () => void {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let sends = 0;
    w.sender.onSend = () => (++sends === n ? gate : undefined);
    return () => release();
  }

  it("a process that loses the lease mid-fan-out stops before its next message, and the run fails", async () => {
    const w = world("2024-04-24T00:59:00Z", { owner: "host-a:1" });
    const release = holdSend(w, 2);
    const run = w.scheduler.runOnce();
    await w.clock.advance(0);
    expect(w.sender.delivered).toHaveLength(1); // the second message is in flight
    // Another process took the lease over (say, this one stalled past the TTL).
    new ScheduleStore(w.db).setState(DELIVERY_LEASE_KEY, "host-x:9", iso(w.clock.now()));
    await w.clock.advance(60_000); // the next renewal finds it lost
    release();
    const summary = await run;
    expect(w.sender.delivered).toHaveLength(2); // only the one in flight went on; 4 were due
    expect(summary.delivery.halted).toBe(1);
    expect(summary.messagesSent).toBe(2);
    expect(summary.failures).toBeGreaterThan(0);
    const halted = w.logs.find((l) => l.msg.startsWith("delivery halted"));
    expect(halted?.reason).toBe("the delivery lease was lost to host-x:9");
    expect(w.logs.find((l) => l.msg === "run")?.level).toBe("error");
  });

  it("a second run-once while another process delivers waits for it, then sends only what is left", async () => {
    const a = world("2024-04-24T00:59:00Z", { owner: "host-a:1" });
    const release = holdSend(a, 2);
    const first = a.scheduler.runOnce();
    await a.clock.advance(0);
    const b = world("2024-04-24T00:59:00Z", { owner: "host-b:2" }, a);
    const second = b.scheduler.runOnce();
    await a.clock.advance(30_000);
    expect(b.logs.map((l) => l.msg)).toContain(
      "waiting for the other sudi process to finish delivering",
    );
    expect(a.sender.delivered).toHaveLength(1);
    release();
    expect((await first).messagesSent).toBe(4);
    await a.clock.advance(5_000);
    const summary = await second;
    expect(summary).toMatchObject({ messagesSent: 0, failures: 0 });
    expect(b.logs.map((l) => l.msg)).toContain(
      "the other sudi process finished delivering; delivering now",
    );
    expect([...a.sender.counts().values()].every((n) => n === 1)).toBe(true);
  });

  it("run-once waits at most leaseWaitMs for a holder that never finishes, then fails saying so", async () => {
    const w = world("2024-04-24T00:59:00Z", { owner: "host-b:2", leaseWaitMs: 10 * MINUTE });
    const store = new ScheduleStore(w.db);
    const renew = () =>
      store.acquireLease(DELIVERY_LEASE_KEY, "host-x:9", w.clock.now(), 180_000, () => false);
    renew();
    const run = w.scheduler.runOnce();
    for (let i = 0; i < 10; i++) {
      await w.clock.advance(MINUTE);
      renew(); // the other process is alive and keeps renewing
    }
    const summary = await run;
    expect(summary.messagesSent).toBe(0);
    expect(summary.failures).toBe(1);
    expect(w.sender.delivered).toEqual([]);
    expect(w.logs.find((l) => l.level === "error")?.msg).toBe(
      "another sudi process kept delivering; nothing was delivered here",
    );
  });
});
