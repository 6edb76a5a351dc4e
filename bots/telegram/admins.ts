/**
 * Whether a group member may change what the group receives: Telegram's creator and
 * administrators. getChatMember answers are cached for a short while (a busy group asks
 * often, and Telegram rate-limits that call too); concurrent questions share one request.
 */
import type { Api } from "grammy";
import type { Clock } from "../../src/core/clock.ts";

const ADMIN_STATUSES = new Set(["creator", "administrator"]);

export class AdminCheck {
  private readonly cache = new Map<string, { admin: boolean; until: number }>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly api: Api,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  /** Asks Telegram (or the cache); a failed look-up throws and is not cached. */
  async isAdmin(chatId: string, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.admin;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.api
      .getChatMember(chatId, userId)
      .then((member) => {
        const admin = ADMIN_STATUSES.has(member.status);
        this.remember(key, admin);
        return admin;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private remember(key: string, admin: boolean): void {
    const now = this.clock.now();
    if (this.cache.size >= 10_000) {
      for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
    }
    this.cache.set(key, { admin, until: now + this.ttlMs });
  }
}
