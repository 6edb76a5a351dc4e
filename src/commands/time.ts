/**
 * Delivery times: parsing what users type for /settime and computing when a chat's next
 * digest is due in its own time zone, with only Intl (no time-zone library).
 */

import { latestAnnouncementAt, nextAnnouncementAt } from "../arxiv/calendar.ts";
import { nextDailyAt, wallTime } from "../core/zoned-time.ts";

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

/**
 * The weekdays (0 = Sunday, listed Monday first) on which this chat, at its HH:MM in its zone,
 * never gets a digest: arXiv announces Sunday to Thursday evenings in New York, which is
 * Monday to Friday morning in Shanghai but may be Tuesday to Saturday at 08:30 there in winter.
 * Read over the three weeks from `now`, so one holiday does not make its weekday look quiet.
 */
export function quietWeekdays(now: Date, digestTime: string, timeZone: string): number[] {
  const served = new Set<number>();
  let at = now.getTime();
  for (let i = 0; i < 15; i++) {
    const a = nextAnnouncementAt(at);
    served.add(wallTime(nextDailyAt(a.at, digestTime, timeZone), timeZone).weekday);
    at = a.at;
  }
  return [1, 2, 3, 4, 5, 6, 0].filter((d) => !served.has(d));
}

/** "2024-04-25 09:00" as the clock in `timeZone` shows it. */
export function formatWallTime(at: Date, timeZone: string): string {
  const w = wallTime(at.getTime(), timeZone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${w.date} ${two(w.hour)}:${two(w.minute)}`;
}
