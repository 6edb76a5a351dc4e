/**
 * How many messages one platform has in flight: enough to reach the sender's rate while each
 * slot is busy, and never more than the cap. A slot is held from before the bot-wide pacing
 * until the ledger recorded the message: one pacing turn, then the busy time (request written →
 * answer read → ledger recorded). So the window is rate × busy time × 1.25, plus one slot for
 * the message waiting for its pacing turn and one to spare: ceil(rate × busy × 1.25) + 2. The
 * busy time is a high percentile (p90) of the recent ones, not the median: half the messages
 * taking longer than the window assumes is what starves the pacer on a loaded machine. At
 * 100 ms and Telegram's 28/s that is 6; on localhost 3. A crash (or a ledger fault) can repeat
 * at most the window: it is the per-crash bound the README states.
 */

/** Times remembered; the window follows their p90, so a few slow answers move nothing. */
const SAMPLES = 40;
/** The percentile of the busy times the window is sized for. */
const PERCENTILE = 0.9;
/** This many first busy times are not remembered, and the window stays at 2 until the next one
 * (a first answer pays for the TLS handshake and JIT warm-up, and says little about the rest). */
const WARM_UP = 3;

/** Slots per (message a second × second of round trip): a quarter to spare. */
const MARGIN = 1.25;

/** The window for `perSecond` when a message keeps its slot busy `busyMs` after its turn. */
export function windowFor(perSecond: number, busyMs: number): number {
  return Math.ceil((perSecond * busyMs * MARGIN) / 1000) + 2;
}

/** The default cap: enough for a 300 ms round trip at `perSecond` (1 when the sender says none). */
export function defaultInFlightCap(perSecond: number | undefined): number {
  return perSecond ? windowFor(perSecond, 300) : 1;
}

export class InFlightWindow {
  private inFlight = 0;
  private rtt: number | undefined;
  private busy: number | undefined;
  private busySeen = 0;
  private readonly samples: number[] = [];
  private readonly busySamples: number[] = [];
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

  /** The p90 of the recent busy times in ms (round trip + ledger; undefined before the first). */
  get busyMs(): number | undefined {
    return this.busy ?? this.rtt;
  }

  /** Messages allowed in flight now. */
  get size(): number {
    if (!this.perSecond) return this.cap;
    // Sized from the busy times only once some past the warm-up came back.
    if (this.busy === undefined) return Math.min(this.cap, 2);
    const want = windowFor(this.perSecond, this.busy);
    return Math.max(1, Math.min(this.cap, want));
  }

  /** One round trip, from the request written to the answer read. */
  observe(ms: number): void {
    this.rtt = remember(this.samples, ms, 0.5);
    this.wake();
  }

  /**
   * One busy time, from the request written until the ledger recorded the answer (the round trip
   * plus the recording, and whatever the event loop added to both).
   */
  observeBusy(ms: number): void {
    if (++this.busySeen <= WARM_UP) return;
    this.busy = remember(this.busySamples, ms, PERCENTILE);
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

/** Adds `ms` to the recent `samples` and returns their `quantile`. */
function remember(samples: number[], ms: number, quantile: number): number {
  samples.push(Math.max(0, ms));
  if (samples.length > SAMPLES) samples.shift();
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * quantile))] as number;
}
