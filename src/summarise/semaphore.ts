/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order.
 * It is what keeps LLM calls in flight at SUDI_LLM_CONCURRENCY, whoever asks for a card.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be >= 1");
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
