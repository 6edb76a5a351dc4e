/**
 * Running code that paces, backs off or times out on a ManualClock while it talks to fake
 * servers on 127.0.0.1: simulated seconds cost milliseconds, and nothing waits in real time.
 */
import type { ManualClock } from "../../src/core/clock.ts";
import { settle } from "./wait.ts";

/**
 * Runs `work` to its end: while it waits on the clock, moves the clock forward `stepMs` at a
 * time; in between (and while nothing waits on the clock), lets real I/O run. Small steps keep
 * the clock from running far ahead of a request in flight. Fails when the work is not done
 * after `limitMs` of clock time, so a broken test ends with a message instead of hanging.
 */
export async function runOnClock<T>(
  clock: ManualClock,
  work: Promise<T>,
  { stepMs = 1, limitMs = 10 * 60_000 }: { stepMs?: number; limitMs?: number } = {},
): Promise<T> {
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  finished.catch(() => {});
  const deadline = clock.now() + limitMs;
  while (!done) {
    if (clock.now() > deadline) {
      throw new Error(`not done after ${limitMs} ms of clock time`);
    }
    if (clock.waiting > 0) await clock.advance(stepMs);
    else await settle(1);
  }
  return finished;
}
