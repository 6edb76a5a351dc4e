/**
 * arXiv's announcement calendar, as the scheduler needs it: arXiv announces Sunday to Thursday
 * at 20:00 New York time, and each announcement (mailing) is dated the next day, Monday to
 * Friday. So there is nothing new on Friday and Saturday evenings, and a chat reading on
 * Saturday or Sunday still has Friday's mailing as the latest: no false "empty day".
 *
 * Holidays: arXiv skips some mailings (see https://info.arxiv.org/help/availability.html).
 * ARXIV_HOLIDAYS lists the skipped mailing dates we know of. It only decides whether an
 * unchanged or empty feed is *expected* (no retries, no failure logged) or *late* (retried,
 * then one failure logged). Ingest still runs on those evenings, so a wrong or missing entry
 * never loses papers and never produces an empty digest. Maintain it once a year.
 */
import { addDays, instantOf, type LocalDate, wallTime, weekdayOf } from "../core/zoned-time.ts";

export const ARXIV_TIMEZONE = "America/New_York";
export const ANNOUNCE_HOUR = 20;

/**
 * Mailing dates (YYYY-MM-DD, the date an announcement would carry) on which arXiv announces
 * nothing: US holidays arXiv observes (New Year, Juneteenth, Thanksgiving, Christmas). Only
 * Monday–Friday dates matter; weekends never have a mailing anyway.
 */
export const ARXIV_HOLIDAYS: readonly LocalDate[] = [
  "2024-01-01",
  "2024-06-19",
  "2024-11-28",
  "2024-12-25",
  "2025-01-01",
  "2025-06-19",
  "2025-11-27",
  "2025-12-25",
  "2026-01-01",
  "2026-06-19",
  "2026-11-26",
  "2026-12-25",
];

const holidays = new Set(ARXIV_HOLIDAYS);

export interface Announcement {
  /** the date the mailing carries (what the feed and the store call announce_date) */
  announceDate: LocalDate;
  /** when arXiv publishes it: 20:00 New York time the evening before, ms since epoch */
  at: number;
}

/** Whether arXiv publishes a mailing dated `announceDate` (Monday–Friday, not a holiday). */
export function isMailingDate(
  announceDate: LocalDate,
  holidayDates: ReadonlySet<string> = holidays,
): boolean {
  const wd = weekdayOf(announceDate);
  return wd >= 1 && wd <= 5 && !holidayDates.has(announceDate);
}

const publishedAt = new Map<LocalDate, number>();

/** The instant the mailing dated `announceDate` is (or would be) published. */
export function announcementAt(announceDate: LocalDate): number {
  let at = publishedAt.get(announceDate);
  if (at === undefined) {
    at = instantOf(addDays(announceDate, -1), ANNOUNCE_HOUR, 0, ARXIV_TIMEZONE);
    // The scheduler asks about a handful of dates every minute: a small memo is plenty.
    if (publishedAt.size > 1000) publishedAt.clear();
    publishedAt.set(announceDate, at);
  }
  return at;
}

function announcement(announceDate: LocalDate): Announcement {
  return { announceDate, at: announcementAt(announceDate) };
}

/** The most recent announcement published at or before `now`. */
export function latestAnnouncementAt(
  now: number,
  holidayDates: ReadonlySet<string> = holidays,
): Announcement {
  // The mailing published this New York evening (if it is past 20:00) is dated tomorrow.
  let date = addDays(wallTime(now, ARXIV_TIMEZONE).date, 1);
  for (let i = 0; i < 30; i++, date = addDays(date, -1)) {
    if (isMailingDate(date, holidayDates) && announcementAt(date) <= now) return announcement(date);
  }
  throw new Error(`no arXiv announcement in the 30 days before ${new Date(now).toISOString()}`);
}

/** The first announcement published strictly after `now`. */
export function nextAnnouncementAt(
  now: number,
  holidayDates: ReadonlySet<string> = holidays,
): Announcement {
  let date = wallTime(now, ARXIV_TIMEZONE).date;
  for (let i = 0; i < 30; i++, date = addDays(date, 1)) {
    if (isMailingDate(date, holidayDates) && announcementAt(date) > now) return announcement(date);
  }
  throw new Error(`no arXiv announcement in the 30 days after ${new Date(now).toISOString()}`);
}
