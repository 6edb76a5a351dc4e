/**
 * The two small concurrency tools: a semaphore (how many LLM calls, or how many messages a
 * platform, are in flight) and a pull-based pool (how many chats are worked on at once). The
 * pool pulls items lazily, so 20,000 digests are never held in memory together.
 */

/** A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order. */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit ${limit}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Runs `task` when a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` never dips and overshoots.
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Runs `worker` over `items` with at most `concurrency` running at once, pulling the next item
 * only when a worker is free. A worker's rejection is not swallowed: the pool stops pulling and
 * rethrows it after the running ones end (workers are expected to handle their own errors).
 */
export async function runPool<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failure: { error: unknown } | null = null;
  let pulling: Promise<unknown> = Promise.resolve();
  // Pulls are serialised: an async generator must not be advanced concurrently.
  const next = (): Promise<IteratorResult<T>> => {
    const result = pulling.then(() => iterator.next());
    pulling = result.catch(() => undefined);
    return result;
  };
  const lane = async () => {
    while (!failure) {
      const r = await next();
      if (r.done) return;
      try {
        await worker(r.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure) {
    await iterator.return?.();
    throw (failure as { error: unknown }).error;
  }
}
