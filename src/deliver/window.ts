/**
 * How many messages one platform has in flight: enough to reach the sender's rate at the round
 * trip observed so far, with a quarter to spare for the wait for the bot-wide turn and for
 * jitter (rate × RTT × 1.25, plus one), and never more than the cap. At 100 ms and Telegram's
 * 28/s that is 5; on localhost 2. A slot is held from before the bot-wide pacing until the
 * ledger recorded the message, so a crash (or a ledger fault) can repeat at most the window:
 * it is the per-crash bound the README states.
 */

/** Round trips remembered; the window follows their median, so one slow answer moves nothing. */
const SAMPLES = 15;
/** Until this many answers came back the window stays at 2 (a first answer pays for the TLS
 * handshake and says little about the round trip). */
const WARM_UP = 3;

/** Slots per (message a second × second of round trip): a quarter to spare. */
const MARGIN = 1.25;

/** The window for `perSecond` at a round trip of `rttMs`. */
export function windowFor(perSecond: number, rttMs: number): number {
  return Math.ceil((perSecond * rttMs * MARGIN) / 1000) + 1;
}

/** The default cap: enough for a 300 ms round trip at `perSecond` (1 when the sender says none). */
export function defaultInFlightCap(perSecond: number | undefined): number {
  return perSecond ? windowFor(perSecond, 300) : 1;
}

export class InFlightWindow {
  private inFlight = 0;
  private rtt: number | undefined;
  private readonly samples: number[] = [];
  private readonly waiters: (() => void)[] = [];
  /** the most messages in flight at once, for tests and benches */
  peak = 0;

  constructor(
    /** the sender's rate; undefined: no pacing, the window is the cap */
    private readonly perSecond: number | undefined,
    readonly cap: number,
  ) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`in-flight cap ${cap}`);
  }

  /** The median of the recent round trips in ms (undefined before the first answer). */
  get roundTripMs(): number | undefined {
    return this.rtt;
  }

  /** Messages allowed in flight now. */
  get size(): number {
    if (!this.perSecond) return this.cap;
    if (this.samples.length < WARM_UP) return Math.min(this.cap, 2);
    const want = windowFor(this.perSecond, this.rtt ?? 0);
    return Math.max(1, Math.min(this.cap, want));
  }

  /** One round trip, from the request written to the answer read. */
  observe(ms: number): void {
    this.samples.push(Math.max(0, ms));
    if (this.samples.length > SAMPLES) this.samples.shift();
    const sorted = [...this.samples].sort((a, b) => a - b);
    this.rtt = sorted[Math.floor(sorted.length / 2)];
    this.wake();
  }

  /**
   * Resolves with a release function once a slot is free, or with null when `signal` aborts
   * first (the caller then sends nothing).
   */
  acquire(signal: AbortSignal): Promise<(() => void) | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.inFlight < this.size && this.waiters.length === 0) {
      return Promise.resolve(this.take());
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      };
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve(this.take());
      };
      this.waiters.push(grant);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private take(): () => void {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.wake();
    };
  }

  private wake(): void {
    while (this.waiters.length && this.inFlight < this.size) this.waiters.shift()?.();
  }
}
