/**
 * Delivery times: parsing what users type for /settime and computing when a chat's next
 * digest is due in its own time zone, with only Intl (no time-zone library).
 */

import { latestAnnouncementAt, nextAnnouncementAt } from "../arxiv/calendar.ts";
import { nextDailyAt, wallTime } from "../core/zoned-time.ts";

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
 * When this chat's next digest goes out: its HH:MM after the newest announcement when that is
 * still ahead, else its HH:MM after the next announcement (arXiv's calendar: none on Friday and
 * Saturday evenings or holidays). The same rule the scheduler delivers by.
 */
export function nextDelivery(now: Date, digestTime: string, timeZone: string): Date {
  const at = now.getTime();
  const dueLatest = nextDailyAt(latestAnnouncementAt(at).at, digestTime, timeZone);
  if (dueLatest > at) return new Date(dueLatest);
  return new Date(nextDailyAt(nextAnnouncementAt(at).at, digestTime, timeZone));
}

/** "2024-04-25 09:00" as the clock in `timeZone` shows it. */
export function formatWallTime(at: Date, timeZone: string): string {
  const w = wallTime(at.getTime(), timeZone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${w.date} ${two(w.hour)}:${two(w.minute)}`;
}
