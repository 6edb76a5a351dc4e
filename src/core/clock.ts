/**
 * The one Clock: the scheduler, delivery, the pacers and retries all take one, so production
 * runs on the system clock while tests inject a ManualClock and run a simulated week in
 * milliseconds, with every timer firing in order.
 *
 * The contract on abort: `sleep` rejects with the signal's reason (an AbortError when none was
 * given), like node:timers/promises. A loop that uses abort only to wake early catches that
 * with `wokenBy(signal)`.
 */

export interface Clock {
  /** ms since the epoch */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * For a sleep whose abort means "wake up now" rather than "stop": swallows the rejection of
 * that signal's abort and rethrows anything else.
 * `await clock.sleep(ms, wake.signal).catch(wokenBy(wake.signal))`
 */
export function wokenBy(signal: AbortSignal): (error: unknown) => void {
  return (error) => {
    if (!signal.aborted) throw error;
  };
}

/**
 * A request timeout on `clock`: `signal` aborts with a TimeoutError after `ms` of the clock's
 * time. On the system clock it is AbortSignal.timeout(ms) itself; on a ManualClock it fires
 * when the test moves time past it. `clear` drops the timer once the request is done, so no
 * sleeper is left behind.
 */
export function timeoutSignal(clock: Clock, ms: number): { signal: AbortSignal; clear(): void } {
  if (clock === systemClock) return { signal: AbortSignal.timeout(ms), clear: () => {} };
  const timeout = new AbortController();
  const done = new AbortController();
  clock.sleep(ms, done.signal).then(
    () => timeout.abort(new DOMException("The operation timed out.", "TimeoutError")),
    () => {},
  );
  return { signal: timeout.signal, clear: () => done.abort() };
}

interface Sleeper {
  due: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock that moves only when told to. `advance` fires due sleepers one at a time, in order,
 * letting the awakened code run (and schedule new sleeps) before the next one fires.
 */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private seq = 0;

  constructor(start: number | Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const sleeper: Sleeper = { due: this.current + Math.max(0, ms), seq: this.seq++, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(abortError(signal));
        },
        { once: true },
      );
    });
  }

  /** Number of sleeps waiting (tests use it to know background work is parked). */
  get waiting(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, firing every sleep that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.sleepers
        .filter((s) => s.due <= target)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.current = Math.max(this.current, next.due);
      next.resolve();
      await settle();
    }
    this.current = Math.max(this.current, target);
    await settle();
  }
}

/** Lets pending promise chains (and their synchronous SQLite work) run to their next wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
