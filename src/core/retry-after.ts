/**
 * The one reader of a server's "wait this long" headers, for every HTTP client (arXiv, the
 * LLM provider): `retry-after-ms` (OpenAI-compatible servers) first, then `Retry-After` as
 * seconds or as an HTTP date.
 */

/** Milliseconds the headers ask to wait, counted from `now`; undefined when absent or invalid. */
export function retryAfterMs(
  headers: { get(name: string): string | null } | undefined,
  now: number,
): number | undefined {
  const ms = headers?.get("retry-after-ms")?.trim();
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
