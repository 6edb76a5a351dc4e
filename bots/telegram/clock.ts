/**
 * Time as the Telegram adapter sees it: a monotonic `now` and an abortable `sleep`. Pacing,
 * retries and the typing indicator take a Clock, so tests can run them on virtual time.
 */
export interface Clock {
  /** milliseconds on a monotonic scale (only differences matter) */
  now(): number;
  /** resolves after `ms`, or as soon as `signal` aborts (never rejects) */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    }),
};
