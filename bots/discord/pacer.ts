/**
 * Even spacing of broadcast messages. @discordjs/rest alone lets 50 requests go at the start of
 * each one-second window and then waits: a burst that, if the process stalls for a moment right
 * after the window opened (a busy event loop delays the writes), reaches Discord squeezed
 * against the next burst and earns global 429s. Spacing sends 1/rate apart keeps the stream
 * smooth, so REST's global limiter stays a safety net rather than the pacer.
 */
import { type Clock, systemClock } from "../../src/core/clock.ts";

/** A little under Discord's 50/s: replies and command registration share the global limit. */
export const BROADCAST_PER_SECOND = 48;

export class Pacer {
  private readonly intervalMs: number;
  readonly perSecond: number;
  private next = 0;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    perSecond: number = BROADCAST_PER_SECOND,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`invalid rate ${perSecond}/s`);
    this.perSecond = perSecond;
    this.intervalMs = 1000 / perSecond;
  }

  /**
   * Resolves at this caller's turn: callers start at most `perSecond` a second, in order. Turns
   * keep a grid one interval apart, so a timer firing late does not slow the rate: up to half
   * an interval of lateness is made up by the next turn coming that much sooner (so at most
   * perSecond + 1 start in any second, as on an exact grid). A longer stall is not made up (the
   * grid restarts half an interval behind now), so the callers that waited go about one
   * interval apart, not all at once.
   */
  wait(): Promise<void> {
    this.turn = this.turn.then(async () => {
      const delay = this.next - this.clock.now();
      if (delay > 0) await this.clock.sleep(delay);
      this.next = Math.max(this.next, this.clock.now() - this.intervalMs / 2) + this.intervalMs;
    });
    return this.turn;
  }
}
