/**
 * The delivery lease: only one process delivers from a database at a time (`sudi start` and a
 * cron `run-once`, or two bots started by mistake). It is held while a delivery run lasts,
 * renewed on the clock while it does, and given back at its end, so a second process waits for
 * the first one's run instead of delivering beside it. A holder that died without giving it back
 * (same host: its pid is gone; elsewhere: no renewal for `ttlMs`) is taken over.
 */
import { hostname } from "node:os";
import type { Clock } from "../core/clock.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { ScheduleStore } from "../store/schedule.ts";

export const DELIVERY_LEASE_KEY = "delivery_lease";

/** The reason a renewal loop's sleep is cut short (one object: no DOMException per run). */
const RUN_ENDED = new Error("the delivery run ended");

/** Whether the process holding a lease ("host:pid") is known to be dead (same host only). */
export function holderGone(holder: string): boolean {
  const at = holder.lastIndexOf(":");
  const pid = Number(holder.slice(at + 1));
  if (holder.slice(0, at) !== hostname()) return false;
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export interface LeaseOptions {
  /** who this process is (default hostname:pid) */
  owner?: string;
  /** a lease not renewed for this long is taken over (default 3 min) */
  ttlMs?: number;
}

export class DeliveryLease {
  readonly owner: string;
  readonly ttlMs: number;
  private warned = false;

  constructor(
    private readonly store: ScheduleStore,
    private readonly clock: Clock,
    private readonly log: Logger = silentLogger,
    options: LeaseOptions = {},
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}`;
    this.ttlMs = options.ttlMs ?? 3 * 60_000;
  }

  /** Who holds the lease now (null: nobody). */
  holder(): string | null {
    return this.store.getState(DELIVERY_LEASE_KEY)?.value ?? null;
  }

  /** Takes or renews the lease; says once when another live process holds it. */
  acquire(): boolean {
    const held = this.store.acquireLease(
      DELIVERY_LEASE_KEY,
      this.owner,
      this.clock.now(),
      this.ttlMs,
      holderGone,
    );
    if (!held && !this.warned) {
      this.log.warn("another sudi process is delivering from this database; not delivering here", {
        holder: this.holder(),
      });
    }
    this.warned = !held;
    return held;
  }

  /**
   * Waits until the lease is ours, checking every `pollMs`, for at most `maxWaitMs`; logs that
   * it waits and for whom. False when the bound passed (or `signal` aborted) first.
   */
  async waitFor(maxWaitMs: number, signal?: AbortSignal, pollMs = 5000): Promise<boolean> {
    const deadline = this.clock.now() + maxWaitMs;
    let said = false;
    for (;;) {
      if (this.acquire()) {
        if (said) this.log.info("the other sudi process finished delivering; delivering now");
        return true;
      }
      if (!said) {
        said = true;
        this.log.info("waiting for the other sudi process to finish delivering", {
          holder: this.holder(),
          maxWaitMs,
        });
      }
      const left = deadline - this.clock.now();
      if (left <= 0 || signal?.aborted) return false;
      try {
        await this.clock.sleep(Math.min(pollMs, left), signal);
      } catch {
        return false;
      }
    }
  }

  /**
   * Renews the lease every third of its TTL until the returned function is called; calls
   * `onLost` once if a renewal fails (another process took it over), so delivery stops.
   */
  keepRenewed(onLost: (holder: string | null) => void): () => void {
    const stop = new AbortController();
    void (async () => {
      for (;;) {
        try {
          await this.clock.sleep(this.ttlMs / 3, stop.signal);
        } catch {
          return;
        }
        if (stop.signal.aborted) return;
        if (!this.acquire()) {
          onLost(this.holder());
          return;
        }
      }
    })();
    return () => stop.abort(RUN_ENDED);
  }

  /** Gives the lease back (only if this process holds it). */
  release(): void {
    this.store.releaseLease(DELIVERY_LEASE_KEY, this.owner);
  }
}
