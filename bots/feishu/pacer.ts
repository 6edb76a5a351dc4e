/**
 * Feishu's limits for one custom bot: 5 requests a second and 100 a minute. Each webhook (one
 * chat) has its own sliding windows. A request counts from when it was sent until its answer
 * came back (`take` records it, the returned `done` moves it to the answer's time): Feishu
 * counts a request when it arrives, which is somewhere in between, so spacing by answers keeps
 * every window at Feishu's end within the limit however long a request spent on the network.
 */
export interface FeishuLimits {
  perSecond: number;
  perMinute: number;
}

export const FEISHU_LIMITS: FeishuLimits = { perSecond: 5, perMinute: 100 };

/** Slightly longer than Feishu's windows, for clocks that do not agree to the millisecond. */
const SECOND_MS = 1050;
const MINUTE_MS = 60_500;

export class FeishuPacer {
  private readonly sent = new Map<string, { at: number }[]>();

  constructor(
    private readonly limits: FeishuLimits = FEISHU_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** ms until a request to `key` may go without exceeding either window (0: now). */
  delayFor(key: string): number {
    const now = this.now();
    const times = (this.sent.get(key) ?? []).filter((t) => now - t.at < MINUTE_MS);
    this.sent.set(key, times);
    let wait = 0;
    const minute = times[times.length - this.limits.perMinute];
    if (minute) wait = Math.max(wait, MINUTE_MS - (now - minute.at));
    const recent = times.filter((t) => now - t.at < SECOND_MS);
    const second = recent[recent.length - this.limits.perSecond];
    if (second) wait = Math.max(wait, SECOND_MS - (now - second.at));
    return wait;
  }

  /** Counts a request sent now; call the returned function when its answer arrived. */
  record(key: string): () => void {
    const entry = { at: this.now() };
    const times = this.sent.get(key) ?? [];
    times.push(entry);
    this.sent.set(key, times);
    return () => {
      entry.at = this.now();
    };
  }

  /** Waits for the key's turn and counts the request; returns its `done`. */
  async take(key: string, sleep: (ms: number) => Promise<void>): Promise<() => void> {
    for (let wait = this.delayFor(key); wait > 0; wait = this.delayFor(key)) await sleep(wait);
    return this.record(key);
  }
}
