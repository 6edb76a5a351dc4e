import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/core/clock.ts";
import { metrics } from "../src/core/metrics.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { addChats, digestOf, RecordingSender, stores } from "./helpers/delivery.ts";
import { settle } from "./helpers/wait.ts";

const DAY = "2024-04-24";
const PAPERS = ["2404.00001", "2404.00002", "2404.00003", "2404.00004", "2404.00005"];

function setup(options: ConstructorParameters<typeof DeliveryEngine>[1] = {}) {
  const s = stores();
  const clock = new ManualClock("2024-04-24T01:00:00Z");
  const sender = new RecordingSender(() => clock.now());
  const engine = new DeliveryEngine(
    {
      outbox: s.outbox,
      deliveries: s.deliveries,
      chats: s.chats,
      senders: { telegram: sender },
      clock,
    },
    options,
  );
  return { ...s, clock, sender, engine };
}

describe("delivery engine: the outbox ledger", () => {
  it("writes every paper of the digest as pending before the first part is sent", async () => {
    const { deliveries, chats, outbox, sender, engine } = setup();
    const [chat] = addChats(chats, 1);
    if (!chat) throw new Error("no chat");
    const seen: string[][] = [];
    sender.onSend = () => {
      seen.push(outbox.entries(chat.id).map((e) => `${e.paperId}:${e.state}`));
    };
    expect(await engine.deliver(digestOf(chat, DAY, PAPERS))).toBe("sent");
    // 5 cards, 2 per part: 3 parts. Before the first send all five rows exist, pending.
    expect(seen[0]).toEqual(PAPERS.map((p) => `${p}:pending`));
    // Before the second send the first part's papers are sent, the rest still pending.
    expect(seen[1]).toEqual([
      `${PAPERS[0]}:sent`,
      `${PAPERS[1]}:sent`,
      `${PAPERS[2]}:pending`,
      `${PAPERS[3]}:pending`,
      `${PAPERS[4]}:pending`,
    ]);
    const entries = outbox.entries(chat.id);
    expect(entries.every((e) => e.state === "sent")).toBe(true);
    // The delivery keeps the ids of the messages that showed its parts, in order.
    expect(deliveries.delivery(chat.id, DAY)?.messageIds).toEqual(
      sender.delivered.map((d) => d.messageId),
    );
    expect(deliveries.delivery(chat.id, DAY)?.state).toBe("sent");
    expect(deliveries.delivery(chat.id, DAY)?.parts).toBeNull();
  });

  it("never sends a day's digest twice, nor a paper a chat already has", async () => {
    const { chats, outbox, sender, engine } = setup();
    const [chat] = addChats(chats, 1);
    if (!chat) throw new Error("no chat");
    outbox.recordSent(chat.id, "2024-04-23", [PAPERS[1] as string]);
    expect(await engine.deliver(digestOf(chat, DAY, PAPERS))).toBe("sent");
    expect(await engine.deliver(digestOf(chat, DAY, PAPERS))).toBe("already");
    // A later day listing the same papers again (new versions, cross-lists): nothing new.
    expect(await engine.deliver(digestOf(chat, "2024-04-25", PAPERS))).toBe("empty");
    const counts = sender.counts();
    expect(counts.get(`${chat.chatId}/${PAPERS[1]}`)).toBeUndefined();
    for (const p of PAPERS.filter((x) => x !== PAPERS[1])) {
      expect(counts.get(`${chat.chatId}/${p}`)).toBe(1);
    }
  });
});

describe("delivery engine: crash and resume", () => {
  it("resumes after the last confirmed part; only the message in flight can repeat", async () => {
    const first = setup();
    const [chat] = addChats(first.chats, 1);
    if (!chat) throw new Error("no chat");
    // Part 1 reaches the platform, then the process dies before the answer is recorded.
    let sends = 0;
    first.sender.onSend = () => {
      if (++sends === 2) first.sender.fail(chat.chatId, { kind: "hang" });
    };
    void first.engine.deliver(digestOf(chat, DAY, PAPERS));
    await first.clock.advance(0);
    expect(first.sender.delivered).toHaveLength(2);
    expect(first.deliveries.delivery(chat.id, DAY)?.partsSent).toBe(1);

    // Restart: a new engine (new sender connection) on the same database.
    const sender = new RecordingSender();
    const engine = new DeliveryEngine({
      outbox: first.outbox,
      deliveries: first.deliveries,
      chats: first.chats,
      senders: { telegram: sender },
      clock: first.clock,
    });
    const report = await engine.resume();
    expect(report.sent).toBe(1);
    // The uncertain part (papers 3 and 4) is sent again, then the last part; nothing else.
    expect(sender.delivered.map((d) => d.paperIds)).toEqual([[PAPERS[2], PAPERS[3]], [PAPERS[4]]]);
    const all = [...first.sender.delivered, ...sender.delivered];
    const duplicated = all.filter((d, i) =>
      all.some((e, j) => j < i && e.paperIds.join() === d.paperIds.join()),
    );
    expect(duplicated).toHaveLength(1);
    expect(first.outbox.entries(chat.id).every((e) => e.state === "sent")).toBe(true);
    expect(first.deliveries.delivery(chat.id, DAY)?.state).toBe("sent");
  });

  it("graceful stop finishes and records the message in flight, and sends no more", async () => {
    const { deliveries, chats, outbox, sender, engine, clock } = setup();
    const [chat] = addChats(chats, 1);
    if (!chat) throw new Error("no chat");
    sender.onSend = () => clock.sleep(1000);
    const done = engine.deliver(digestOf(chat, DAY, PAPERS));
    await clock.advance(0);
    const stopped = engine.stop();
    await clock.advance(1000);
    await stopped;
    expect(await done).toBe("stopped");
    expect(sender.delivered).toHaveLength(1);
    expect(deliveries.delivery(chat.id, DAY)).toMatchObject({ state: "pending", partsSent: 1 });
    expect(outbox.entries(chat.id).filter((e) => e.state === "sent")).toHaveLength(2);
  });
});

describe("delivery engine: platform errors", () => {
  it("a gone chat (403) is deactivated and its pending rows dropped; the others still get theirs", async () => {
    const { deliveries, chats, outbox, sender, engine } = setup();
    const group = addChats(chats, 3);
    const [a, b, c] = group;
    if (!a || !b || !c) throw new Error("no chats");
    sender.fail(b.chatId, { kind: "gone" });
    const report = await engine.deliverAll(group.map((chat) => digestOf(chat, DAY, PAPERS)));
    expect(report).toMatchObject({ sent: 2, gone: 1 });
    expect(chats.byId(b.id)?.active).toBe(false);
    expect(outbox.entries(b.id)).toEqual([]);
    expect(deliveries.delivery(b.id, DAY)?.state).toBe("gone");
    expect(sender.to(a.chatId)).toHaveLength(3);
    expect(sender.to(c.chatId)).toHaveLength(3);
  });

  it("a migrated group keeps its ledger under the new id and gets the part resent there", async () => {
    const { chats, outbox, sender, engine } = setup();
    const [chat] = addChats(chats, 1);
    if (!chat) throw new Error("no chat");
    sender.fail(chat.chatId, { kind: "migrated", to: "-1009999" });
    expect(await engine.deliver(digestOf(chat, DAY, PAPERS))).toBe("sent");
    expect(chats.find("telegram", "-1009999")?.id).toBe(chat.id);
    expect(sender.to(chat.chatId)).toEqual([]);
    expect(sender.to("-1009999").flatMap((d) => d.paperIds)).toEqual(PAPERS);
    expect(outbox.entries(chat.id).every((e) => e.state === "sent")).toBe(true);
  });

  it("counts message parts per platform for /metrics: sent, failed and uncertain", async () => {
    const count = async (result: string) =>
      (await metrics.messages.get()).values.find(
        (v) => v.labels.platform === "telegram" && v.labels.result === result,
      )?.value ?? 0;
    const before = { sent: await count("sent"), failed: await count("failed") };
    const uncertainBefore = await count("uncertain");
    const { chats, sender, engine, clock } = setup({ retries: 0 });
    const [ok, gone, lost] = addChats(chats, 3);
    if (!ok || !gone || !lost) throw new Error("no chats");
    sender.fail(gone.chatId, { kind: "gone" });
    sender.fail(lost.chatId, { kind: "transient" }); // no answer: it may have arrived
    const done = Promise.all(
      [ok, gone, lost].map((chat) => engine.deliver(digestOf(chat, DAY, PAPERS))),
    );
    for (let i = 0; i < 10; i++) await clock.advance(60_000);
    // the lost one is tried once more, and gets through
    expect(await done).toEqual(["sent", "gone", "sent"]);
    expect((await count("sent")) - before.sent).toBe(6); // 5 papers, 2 cards a part, 2 chats
    expect((await count("failed")) - before.failed).toBe(1);
    // every send whose answer was lost, as the engine's own count has it
    expect(engine.uncertain).toBeGreaterThan(0);
    expect((await count("uncertain")) - uncertainBefore).toBe(engine.uncertain);
    const lag = (await metrics.deliveryLag.get()).values.find(
      (v) => v.metricName === "sudi_delivery_lag_seconds_sum" && v.labels.platform === "telegram",
    );
    expect(lag?.value).toBeGreaterThan(0);
  });

  it("retries a transient error with backoff and then succeeds", async () => {
    const { chats, sender, engine, clock } = setup({ backoffMs: 1000 });
    const [chat] = addChats(chats, 1);
    if (!chat) throw new Error("no chat");
    sender.fail(chat.chatId, { kind: "transient" }, { kind: "transient", retryAfterMs: 5000 });
    const done = engine.deliver(digestOf(chat, DAY, PAPERS));
    await clock.advance(999);
    expect(sender.delivered).toHaveLength(0);
    await clock.advance(1); // first backoff: 1 s
    await clock.advance(4999);
    expect(sender.delivered).toHaveLength(0);
    await clock.advance(1); // the platform's retry_after: 5 s
    expect(await done).toBe("sent");
    expect(sender.delivered).toHaveLength(3);
  });

  it("past the retries a delivery is deferred, resumed on a later tick, and given up when it keeps failing", async () => {
    const { deliveries, chats, outbox, sender, engine, clock } = setup({
      retries: 1,
      backoffMs: 10,
      maxAttempts: 3,
    });
    const [ok, bad] = addChats(chats, 2);
    if (!ok || !bad) throw new Error("no chats");
    sender.fail(ok.chatId, { kind: "transient" }, { kind: "transient" });
    sender.fail(bad.chatId, ...Array.from({ length: 20 }, () => ({ kind: "transient" as const })));
    const run = engine.deliverAll([digestOf(ok, DAY, PAPERS), digestOf(bad, DAY, PAPERS)]);
    await clock.advance(10);
    expect(await run).toMatchObject({ deferred: 2 });
    expect(deliveries.delivery(ok.id, DAY)).toMatchObject({ state: "pending", attempts: 1 });
    // Not due again before its next attempt (1 min).
    expect((await engine.resume()).digests).toBe(0);
    await clock.advance(60_000);
    const second = engine.resume();
    await clock.advance(10);
    expect(await second).toMatchObject({ sent: 1, deferred: 1 });
    expect(sender.to(ok.chatId).flatMap((d) => d.paperIds)).toEqual(PAPERS);
    await clock.advance(120_000);
    const third = engine.resume();
    await clock.advance(10);
    expect(await third).toMatchObject({ failed: 1 });
    expect(deliveries.delivery(bad.id, DAY)?.state).toBe("failed");
    // Failed papers are not "sent": a later digest may carry them again.
    expect(outbox.sentAmong(bad.id, PAPERS).size).toBe(0);
  });

  it("one chat's 40 s retry_after does not delay the others, nor hold an in-flight slot", async () => {
    const { chats, sender, engine, clock } = setup({ concurrency: 4, inFlightPerPlatform: 1 });
    const group = addChats(chats, 14);
    const slow = group[0];
    if (!slow) throw new Error("no chat");
    sender.fail(slow.chatId, { kind: "transient", retryAfterMs: 40_000 });
    const run = engine.deliverAll(group.map((chat) => digestOf(chat, DAY, PAPERS)));
    await clock.advance(0);
    // Every other chat got its whole digest at once while the slow one waits out its 40 s.
    for (const chat of group.slice(1)) {
      expect(sender.to(chat.chatId).map((d) => d.at)).toEqual([0, 0, 0].map(() => clock.now()));
    }
    expect(sender.to(slow.chatId)).toHaveLength(0);
    await clock.advance(39_999);
    expect(sender.to(slow.chatId)).toHaveLength(0);
    await clock.advance(1);
    expect(await run).toMatchObject({ sent: 14, deferred: 0 });
    expect(sender.to(slow.chatId)).toHaveLength(3);
  });

  it("a retry_after longer than a minute leaves the chat for a later tick instead of waiting", async () => {
    const { chats, sender, engine, clock } = setup({ concurrency: 2 });
    const group = addChats(chats, 6);
    const slow = group[0];
    if (!slow) throw new Error("no chat");
    sender.fail(slow.chatId, { kind: "transient", retryAfterMs: 3_600_000 });
    const run = engine.deliverAll(group.map((chat) => digestOf(chat, DAY, PAPERS)));
    await clock.advance(0);
    expect(await run).toMatchObject({ sent: 5, deferred: 1 });
    for (const chat of group.slice(1)) expect(sender.to(chat.chatId)).toHaveLength(3);
    await clock.advance(3_599_000);
    expect(await engine.resume()).toMatchObject({ digests: 0 }); // not due yet
    await clock.advance(1_000);
    expect(await engine.resume()).toMatchObject({ sent: 1 });
    expect(sender.to(slow.chatId)).toHaveLength(3);
  });

  it("an unexpected error defers the chat instead of failing the run", async () => {
    const { chats, sender, engine } = setup();
    const [a, b] = addChats(chats, 2);
    if (!a || !b) throw new Error("no chats");
    sender.fail(a.chatId, { kind: "error" });
    const report = await engine.deliverAll([digestOf(a, DAY, PAPERS), digestOf(b, DAY, PAPERS)]);
    expect(report).toMatchObject({ deferred: 1, sent: 1 });
  });

  it("a chat whose platform has no sender here is skipped, not recorded", async () => {
    const { deliveries, chats, outbox, engine } = setup();
    const [d] = addChats(chats, 1, "discord");
    if (!d) throw new Error("no chat");
    expect(await engine.deliver(digestOf(d, DAY, PAPERS))).toBe("skipped");
    expect(deliveries.delivery(d.id, DAY)).toBeUndefined();
    expect(outbox.entries(d.id)).toEqual([]);
  });

  it("a platform outage pauses that platform for the run, and the next run tries again", async () => {
    const { deliveries, chats, sender, engine } = setup({
      retries: 0,
      circuitThreshold: 5,
      concurrency: 1,
    });
    const group = addChats(chats, 12);
    for (const chat of group)
      sender.fail(chat.chatId, { kind: "transient", outcome: "undelivered" });
    const first = await engine.deliverAll(group.map((chat) => digestOf(chat, DAY, PAPERS)));
    expect(first.deferred).toBe(12);
    expect(sender.attempts).toBe(5); // the other 7 were not even tried
    // The 7 untried chats reserved nothing: they are simply due again.
    expect(group.filter((c) => deliveries.delivery(c.id, DAY) === undefined)).toHaveLength(7);
    for (const chat of group) sender.faults.set(chat.chatId, []);
    const second = await engine.deliverAll(group.map((chat) => digestOf(chat, DAY, PAPERS)));
    expect(second).toMatchObject({ sent: 7, already: 5 });
  });

  it("keeps at most inFlightPerPlatform messages in flight, and uses them all", async () => {
    for (const inFlight of [1, 3]) {
      const { chats, sender, engine } = setup({
        inFlightPerPlatform: inFlight,
        concurrency: 16,
      });
      let now = 0;
      let most = 0;
      sender.onSend = async () => {
        most = Math.max(most, ++now);
        await settle(2);
        now--;
      };
      const group = addChats(chats, 8);
      const report = await engine.deliverAll(group.map((chat) => digestOf(chat, DAY, PAPERS)));
      expect(report.sent).toBe(8);
      expect(most).toBe(inFlight);
    }
  });
});
