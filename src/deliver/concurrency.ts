/**
 * The two small concurrency tools delivery needs: a semaphore (how many messages a platform
 * has in flight) and a pull-based pool (how many chats are worked on at once). The pool pulls
 * items lazily, so 20,000 digests are never held in memory together.
 */

export class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`semaphore size ${size}`);
    this.free = size;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
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
