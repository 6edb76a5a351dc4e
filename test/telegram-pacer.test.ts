import { describe, expect, it } from "vitest";
import { type PaceLimits, Pacer, PacerClosedError } from "../bots/telegram/pacer.ts";
import { type Clock, ManualClock } from "../src/core/clock.ts";

const manualClock = () => new ManualClock(0);

const LIMITS: PaceLimits = {
  global: { perSecond: 30, burst: 1 },
  chat: { perSecond: 1, burst: 1 },
  group: { perSecond: 20 / 60, burst: 3 },
};

/** Records when each acquire resolved (virtual ms). */
function track(clock: Clock, pacer: Pacer) {
  const times: Record<string, number[]> = {};
  const acquire = (
    key: string,
    chatId: string,
    group = false,
    lane: "interactive" | "bulk" = "bulk",
  ) =>
    pacer.acquire(chatId, group, lane).then(() => {
      times[key] = [...(times[key] ?? []), clock.now()];
    });
  return { times, acquire };
}

describe("Pacer", () => {
  it("sends to one chat at most once a second", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    const { times, acquire } = track(clock, pacer);
    for (let i = 0; i < 4; i++) void acquire("a", "1");
    await clock.advance(5000);
    expect(times.a).toEqual([0, 1000, 2000, 3000]);
  });

  it("keeps a group to its per-minute budget after the burst", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    const { times, acquire } = track(clock, pacer);
    for (let i = 0; i < 5; i++) void acquire("g", "-100", true);
    await clock.advance(20_000);
    // A burst at 1/s (the chat limit) while the bucket holds tokens (3, plus the one refilled
    // by 3 s), then one every 3 s (20/min).
    expect(times.g).toEqual([0, 1000, 2000, 3000, 6000]);
  });

  it("spreads a broadcast at the global rate and lets no chat wait for another", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    const { times, acquire } = track(clock, pacer);
    for (let i = 0; i < 60; i++) void acquire("all", String(i + 1));
    await clock.advance(3000);
    const all = times.all ?? [];
    expect(all).toHaveLength(60);
    for (let i = 1; i < all.length; i++) {
      expect((all[i] ?? 0) - (all[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000 / 30 - 1e-9);
    }
    expect(all.at(-1)).toBeCloseTo((59 * 1000) / 30, 5);
  });

  it("lets other chats go while one chat waits for its own token", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    const { times, acquire } = track(clock, pacer);
    void acquire("a1", "1");
    void acquire("a2", "1");
    void acquire("b", "2");
    await clock.advance(100);
    expect(times.a1).toEqual([0]);
    expect(times.b?.[0]).toBeLessThan(100);
    expect(times.a2).toBeUndefined();
  });

  it("serves interactive replies before queued bulk deliveries", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    const { times, acquire } = track(clock, pacer);
    for (let i = 0; i < 30; i++) void acquire("bulk", String(100 + i));
    void acquire("reply", "7", false, "interactive");
    await clock.advance(2000);
    // The reply goes with the second global slot, ahead of 29 queued digests.
    expect(times.reply).toEqual([1000 / 30]);
  });

  it("holds a chat after Telegram's 429 for retry_after", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    const { times, acquire } = track(clock, pacer);
    pacer.hold("5", 7000);
    void acquire("held", "5");
    void acquire("other", "6");
    await clock.advance(10_000);
    expect(times.held).toEqual([7000]);
    expect(times.other).toEqual([0]);
  });

  it("rejects waiting sends when closed", async () => {
    const clock = manualClock();
    const pacer = new Pacer(LIMITS, clock);
    await pacer.acquire("1", false);
    const waiting = pacer.acquire("1", false);
    pacer.close();
    await expect(waiting).rejects.toBeInstanceOf(PacerClosedError);
    await expect(pacer.acquire("2", false)).rejects.toBeInstanceOf(PacerClosedError);
  });

  it("refuses limits that could never send", () => {
    expect(() => new Pacer({ ...LIMITS, chat: { perSecond: 0, burst: 1 } }, manualClock())).toThrow(
      RangeError,
    );
  });
});
