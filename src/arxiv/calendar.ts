/**
 * arXiv's announcement calendar, in one place: New York time (through src/core/zoned-time.ts,
 * so daylight saving comes from Intl), the announcement days, the holidays, and which
 * submissions each announcement carries.
 *
 * arXiv announces Sunday to Thursday at 20:00 New York time, and each announcement (mailing)
 * is dated the next day, Monday to Friday. So there is nothing new on Friday and Saturday
 * evenings, and a chat reading on Saturday or Sunday still has Friday's mailing as the latest:
 * no false "empty day". Papers submitted before 14:00 New York time on a weekday go into that
 * evening's mailing (Friday's submissions appear on Monday).
 *
 * Holidays: arXiv skips some mailings (see https://info.arxiv.org/help/availability.html).
 * ARXIV_HOLIDAYS lists the skipped mailing dates we know of. The scheduler uses it only to
 * decide whether an unchanged or empty feed is *expected* (no retries, no failure logged) or
 * *late* (retried, then one failure logged), and the back-fill widens the next mailing's
 * submission window over a skipped one. Ingest still runs on those evenings, so a wrong or
 * missing entry never loses papers (the outbox never posts a paper twice). Maintain it once a
 * year.
 */
import { addDays, instantOf, type LocalDate, wallTime, weekdayOf } from "../core/zoned-time.ts";

export const ARXIV_TIMEZONE = "America/New_York";
export const ANNOUNCE_HOUR = 20;
/** Submissions before this hour (New York time) on a weekday make that evening's mailing. */
const CUTOFF_HOUR = 14;

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

/** A YYYY-MM-DD that is not a real date, or not a day arXiv announces (weekends). */
export class InvalidAnnounceDateError extends Error {
  constructor(
    readonly date: string,
    readonly reason: string,
  ) {
    super(`invalid announcement date ${JSON.stringify(date)}: ${reason}`);
    this.name = "InvalidAnnounceDateError";
  }
}

const isWeekday = (date: LocalDate) => {
  const wd = weekdayOf(date);
  return wd >= 1 && wd <= 5;
};

/** Whether arXiv publishes a mailing dated `announceDate` (Monday–Friday, not a holiday). */
export function isMailingDate(
  announceDate: LocalDate,
  holidayDates: ReadonlySet<string> = holidays,
): boolean {
  return isWeekday(announceDate) && !holidayDates.has(announceDate);
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

function checkDate(date: string): LocalDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new InvalidAnnounceDateError(date, "expected a real date as YYYY-MM-DD");
  }
  return date;
}

function previousWeekday(date: LocalDate): LocalDate {
  let d = addDays(date, -1);
  while (!isWeekday(d)) d = addDays(d, -1);
  return d;
}

function previousMailing(date: LocalDate, holidayDates: ReadonlySet<string>): LocalDate {
  let d = addDays(date, -1);
  while (!isMailingDate(d, holidayDates)) d = addDays(d, -1);
  return d;
}

/** The instant of the submission cutoff (14:00 New York time) on `date`. */
function cutoff(date: LocalDate): Date {
  return new Date(instantOf(date, CUTOFF_HOUR, 0, ARXIV_TIMEZONE));
}

/**
 * The submission window of the announcement dated `announceDate`, as UTC instants: from the
 * cutoff that closed the previous mailing (inclusive) to the cutoff on the weekday before
 * `announceDate` (exclusive). After a skipped mailing (a holiday) the window covers both days.
 */
export function submissionWindow(
  announceDate: string,
  holidayDates: ReadonlySet<string> = holidays,
): { from: Date; to: Date } {
  const date = checkDate(announceDate);
  if (!isWeekday(date)) {
    throw new InvalidAnnounceDateError(announceDate, "arXiv announces only Monday to Friday");
  }
  const previous = previousMailing(date, holidayDates);
  return { from: cutoff(previousWeekday(previous)), to: cutoff(previousWeekday(date)) };
}

/** A UTC instant as arXiv's submittedDate query wants it: YYYYMMDDHHMM. */
export function submittedDateStamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace(/[-T:]/g, "");
}
