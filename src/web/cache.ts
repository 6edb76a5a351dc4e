/**
 * A small in-memory cache of rendered responses, least recently used out first, each entry
 * kept for a short time. Bounded by entry count, so memory stays flat however many distinct
 * URLs are asked for.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

/**
 * A rendered response, encoded once: the UTF-8 bytes and their gzip, so a cache hit only
 * writes bytes (no string encoding, no compression per request).
 */
export interface CachedResponse {
  status: number;
  body: Uint8Array;
  gzip: Uint8Array;
  type: string;
  etag: string;
  at: number;
}

export function etagOf(body: string | Uint8Array): string {
  return `W/"${createHash("sha1").update(body).digest("base64url").slice(0, 22)}"`;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert: a Map iterates in insertion order, so the first key is the least recent.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, value: { status: number; body: string; type: string }): CachedResponse {
    const body = Buffer.from(value.body, "utf8");
    const entry: CachedResponse = {
      status: value.status,
      type: value.type,
      body,
      gzip: gzipSync(body),
      etag: etagOf(body),
      at: this.now(),
    };
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
