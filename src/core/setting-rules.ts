/**
 * The rules a setting passes, wherever it comes from: the environment (src/config.ts) or a chat
 * command (/settime, /subscribe). One module, so `SUDI_DIGEST_TIME=9:00` is accepted exactly
 * when `/settime 9:00` is, and `SUDI_CATEGORIES=cs.XY` is refused exactly as `/subscribe cs.XY` (both through
 * canonicalCategory in ./categories.ts).
 */
/**
 * "HH:MM" from what a user typed: 9:00, 09:00, ９：００ (folded by NFKC before this), 9点,
 * 9点30. Null for anything else, including 24:00 and 9:5.
 */
export function parseDigestTime(input: string): string | null {
  const m = /^(\d{1,2})(?::(\d{2})|点(?:(\d{1,2})分?|半)?|时)$/.exec(
    input.normalize("NFKC").trim(),
  );
  if (!m) return null;
  const hour = Number(m[1]);
  const minute =
    m[2] !== undefined
      ? Number(m[2])
      : m[3] !== undefined
        ? Number(m[3])
        : input.includes("半")
          ? 30
          : 0;
  if (hour > 23 || minute > 59) return null;
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** The canonical IANA name of a time zone ("utc" → "UTC"), or null when Intl does not know it. */
export function canonicalTimeZone(input: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{1,40}$/.test(input)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: input }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The webhook address Telegram posts to: Telegram accepts only HTTPS (ports 443, 80, 88, 8443),
 * so an http:// address would only fail later, at setWebhook.
 */
export function isHttpsUrl(input: string): boolean {
  try {
    return new URL(input).protocol === "https:";
  } catch {
    return false;
  }
}
