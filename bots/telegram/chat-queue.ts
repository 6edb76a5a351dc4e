/**
 * Runs update work in order within a chat and in parallel across chats. grammY's built-in
 * polling handles one update at a time, so a /paper waiting on the LLM would hold up every
 * other chat; instead each task is queued behind its chat's previous one, with a cap on how
 * many are pending at once (past it, `enqueue` waits, which slows polling down: back-pressure).
 */
export class ChatQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly slotWaiters: (() => void)[] = [];

  constructor(
    /** gets what a task threw; the chat's next task runs regardless */
    private readonly onError: (err: unknown, chatId: string) => void,
    private readonly maxPending = 64,
  ) {}

  /** Queues `task` behind the chat's earlier tasks; resolves once it has been queued. */
  async enqueue(chatId: string, task: () => Promise<void>): Promise<void> {
    while (this.pending.size >= this.maxPending) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    const previous = this.tails.get(chatId) ?? Promise.resolve();
    const tail = previous.then(task).catch((err: unknown) => this.onError(err, chatId));
    this.tails.set(chatId, tail);
    this.pending.add(tail);
    void tail.then(() => {
      this.pending.delete(tail);
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
      this.slotWaiters.shift()?.();
    });
  }

  /** Resolves when every queued task has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
