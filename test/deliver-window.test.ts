import { describe, expect, it } from "vitest";
import { Pacer } from "../bots/discord/pacer.ts";
import { ManualClock } from "../src/core/clock.ts";
import { defaultInFlightCap, InFlightWindow, windowFor } from "../src/deliver/window.ts";

/** Lets every settled promise's callbacks run (no timer fires in between). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("InFlightWindow", () => {
  it("is rate × busy time × 1.25, plus one for the pacing turn and one to spare", () => {
    expect(windowFor(28, 100)).toBe(6);
    expect(windowFor(28, 140)).toBe(7);
    expect(windowFor(28, 200)).toBe(9);
    expect(windowFor(48, 100)).toBe(8);
    expect(windowFor(28, 2)).toBe(3);
    // the default caps the README states: enough for 300 ms
    expect(defaultInFlightCap(28)).toBe(13);
    expect(defaultInFlightCap(48)).toBe(20);
    expect(defaultInFlightCap(undefined)).toBe(1);
  });

  it("stays at 2 through the warm-up, whatever the first answers took", () => {
    const w = new InFlightWindow(28, 13);
    for (let i = 0; i < 3; i++) {
      w.observe(1000);
      w.observeBusy(1000);
    }
    expect(w.size).toBe(2);
    w.observeBusy(100);
    expect(w.size).toBe(6);
  });

  it("follows the 90th percentile of the busy times, never above the cap", () => {
    const w = new InFlightWindow(28, 13);
    for (let i = 0; i < 3; i++) w.observeBusy(0); // warm-up
    for (let i = 0; i < 37; i++) w.observeBusy(100);
    for (let i = 0; i < 3; i++) w.observeBusy(300);
    expect(w.busyMs).toBe(100); // 3 slow of 40: under the 90th percentile
    expect(w.size).toBe(6);
    for (let i = 0; i < 5; i++) w.observeBusy(300);
    expect(w.busyMs).toBe(300); // 8 slow of 40: the 90th percentile is slow
    expect(w.size).toBe(13); // windowFor(28, 300) = 13, the cap
    const small = new InFlightWindow(28, 4);
    for (let i = 0; i < 10; i++) small.observeBusy(300);
    expect(small.size).toBe(4);
  });

  it("grants no more slots than its size until one is released", async () => {
    const w = new InFlightWindow(28, 13);
    const signal = new AbortController().signal;
    const a = await w.acquire(signal);
    const b = await w.acquire(signal);
    let third: (() => void) | null = null;
    void w.acquire(signal).then((r) => {
      third = r;
    });
    await flush();
    expect(third).toBeNull();
    expect(w.peak).toBe(2);
    a?.();
    await flush();
    expect(third).not.toBeNull();
    b?.();
    expect(w.peak).toBe(2);
  });
});

describe("Discord Pacer", () => {
  it("makes up half an interval of lateness, not a whole stall", async () => {
    const clock = new ManualClock(1000);
    const pacer = new Pacer(50, clock); // one turn every 20 ms
    const done: number[] = [];
    const turn = (n: number) => void pacer.wait().then(() => done.push(n));
    turn(1);
    await flush();
    expect(done).toEqual([1]); // the first goes at once; the next turn is at 1010
    await clock.advanceTo(1025); // 15 ms late: made up only by half an interval
    turn(2);
    turn(3);
    await flush();
    expect(done).toEqual([1, 2]); // 2 went at 1025, so 3's turn is at 1035, not 1045
    await clock.advanceTo(1034);
    await flush();
    expect(done).toEqual([1, 2]);
    await clock.advanceTo(1035);
    await flush();
    expect(done).toEqual([1, 2, 3]); // the next turn is at 1055
    await clock.advanceTo(1140); // a stall of 85 ms past that turn: only half an interval is made up
    turn(4);
    turn(5);
    await flush();
    expect(done).toEqual([1, 2, 3, 4]); // 5's turn is at 1150, not at once
    await clock.advanceTo(1149);
    await flush();
    expect(done).toEqual([1, 2, 3, 4]);
    await clock.advanceTo(1150);
    await flush();
    expect(done).toEqual([1, 2, 3, 4, 5]);
  });

  it("starts at most perSecond + 1 turns in any second of a long broadcast", async () => {
    const clock = new ManualClock(0);
    const pacer = new Pacer(19, clock);
    const started: number[] = [];
    const all = Array.from({ length: 60 }, () =>
      pacer.wait().then(() => started.push(clock.now())),
    );
    while (started.length < 60) await clock.advance(1);
    await Promise.all(all);
    for (const t of started) {
      expect(started.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(20);
    }
    expect(started.at(-1)).toBeGreaterThanOrEqual(59 * (1000 / 19) - 1);
  });
});
