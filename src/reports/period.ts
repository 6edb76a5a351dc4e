/**
 * Report periods: a 周报 covers the arXiv announcements dated Monday to Friday of one ISO
 * week, a 月报 those dated in one calendar month. Periods are counted in announcement dates
 * (what the store calls announce_date), never in a chat's zone; only the delivery moment is
 * the chat's: its own HH:MM on the first day after the period ends (Monday, or the 1st),
 * in its own time zone, DST-safe through the zoned-time helpers.
 */
import { announcementAt, isMailingDate } from "../arxiv/calendar.ts";
import { addDays, instantOf, type LocalDate, parseHhMm, wallTime } from "../core/zoned-time.ts";

export type PeriodKind = "week" | "month";

export interface Period {
  kind: PeriodKind;
  /** "2024-W17" or "2024-04": the stable key of the period (also its delivery key) */
  key: string;
  /** first and last calendar day whose announcements count (Monday–Friday, or 1st–last) */
  first: LocalDate;
  last: LocalDate;
}

/** A period text that is neither YYYY-Www nor YYYY-MM, or names no real week or month. */
export class InvalidPeriodError extends Error {
  constructor(readonly value: string) {
    super(`invalid period ${JSON.stringify(value)}: expected YYYY-Www (2024-W17) or YYYY-MM`);
    this.name = "InvalidPeriodError";
  }
}

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const utcDate = (ms: number): LocalDate => new Date(ms).toISOString().slice(0, 10);

/** Monday of ISO week `week` of ISO year `year`. */
function isoWeekMonday(year: number, week: number): LocalDate {
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  return utcDate(monday1 + (week - 1) * 7 * DAY_MS);
}

/** ISO weeks in `year`: 53 when 28 December falls in week 53, else 52. */
function isoWeeksIn(year: number): number {
  return isoWeekOf(`${year}-12-28`).week;
}

/** The ISO year and week of a calendar day. */
export function isoWeekOf(date: LocalDate): { year: number; week: number } {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const ms = Date.UTC(y, m - 1, d);
  const thursday = ms + (3 - ((new Date(ms).getUTCDay() + 6) % 7)) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return { year, week };
}

/** The 周报 period (Monday–Friday) of the ISO week containing `date`. */
export function weekOf(date: LocalDate): Period {
  const { year, week } = isoWeekOf(date);
  const first = isoWeekMonday(year, week);
  return { kind: "week", key: `${year}-W${pad(week)}`, first, last: addDays(first, 4) };
}

/** The 月报 period of the calendar month containing `date`. */
export function monthOf(date: LocalDate): Period {
  const [y, m] = date.split("-").map(Number) as [number, number];
  const last = utcDate(Date.UTC(y, m, 0));
  return { kind: "month", key: `${y}-${pad(m)}`, first: `${y}-${pad(m)}-01`, last };
}

export const periodOf = (kind: PeriodKind, date: LocalDate): Period =>
  kind === "week" ? weekOf(date) : monthOf(date);

/** Parses "2024-W17" (also "2024w17") or "2024-04"; InvalidPeriodError otherwise. */
export function parsePeriod(text: string): Period {
  const t = text.trim();
  const w = /^(\d{4})-?[Ww](\d{1,2})$/.exec(t);
  if (w) {
    const year = Number(w[1]);
    const week = Number(w[2]);
    if (year < 1991 || week < 1 || week > isoWeeksIn(year)) throw new InvalidPeriodError(text);
    return weekOf(isoWeekMonday(year, week));
  }
  const m = /^(\d{4})-(\d{1,2})$/.exec(t);
  if (m) {
    const month = Number(m[2]);
    if (Number(m[1]) < 1991 || month < 1 || month > 12) throw new InvalidPeriodError(text);
    return monthOf(`${m[1]}-${pad(month)}-01`);
  }
  throw new InvalidPeriodError(text);
}

/** The period just before `period` (the week or month before). */
export function previousPeriod(period: Period): Period {
  return periodOf(period.kind, addDays(period.first, -1));
}

/** The period just after `period`. */
export function nextPeriod(period: Period): Period {
  return period.kind === "week"
    ? weekOf(addDays(period.first, 7))
    : monthOf(addDays(period.last, 1));
}

/**
 * arXiv's announcement calendar as reports need it: ARXIV_CALENDAR below is the real one
 * (src/arxiv/calendar.ts); tests may pass their own.
 */
export interface ArxivCalendar {
  /** whether arXiv publishes a mailing dated `date` (Monday–Friday, not a holiday) */
  isMailingDate(date: LocalDate): boolean;
  /** the instant the mailing dated `date` is (or would be) published */
  announcementAt(date: LocalDate): number;
}

export const ARXIV_CALENDAR: ArxivCalendar = {
  isMailingDate: (date) => isMailingDate(date),
  announcementAt,
};

/** The announcement dates arXiv publishes (or would publish) in the period, in order. */
export function mailingDates(
  period: Period,
  calendar: Pick<ArxivCalendar, "isMailingDate">,
): LocalDate[] {
  const out: LocalDate[] = [];
  for (let d = period.first; d <= period.last; d = addDays(d, 1)) {
    if (calendar.isMailingDate(d)) out.push(d);
  }
  return out;
}

/** The first day after the period ends: the Monday after a 周报, the 1st after a 月报. */
export function deliveryDate(period: Period): LocalDate {
  return period.kind === "week" ? addDays(period.first, 7) : addDays(period.last, 1);
}

/** When a chat gets the report of `period`: its HH:MM on the delivery day, in its zone. */
export function deliveryAt(period: Period, chat: { timezone: string; digestTime: string }): number {
  const { hour, minute } = parseHhMm(chat.digestTime);
  return instantOf(deliveryDate(period), hour, minute, chat.timezone);
}

/**
 * The newest period of `kind` whose delivery moment for this chat is at or before `now`:
 * what the scheduler owes the chat (if it has not had it).
 */
export function latestDuePeriod(
  kind: PeriodKind,
  now: number,
  chat: { timezone: string; digestTime: string },
): Period {
  const today = wallTime(now, chat.timezone).date;
  // The period before today's (by the chat's calendar) is the newest that can have ended;
  // on its delivery day before the chat's time, the one before it is still the newest due.
  const p = previousPeriod(periodOf(kind, today));
  return deliveryAt(p, chat) <= now ? p : previousPeriod(p);
}

/** The next delivery moment of `kind` strictly after `now` for this chat (for /list). */
export function nextDeliveryAt(
  kind: PeriodKind,
  now: number,
  chat: { timezone: string; digestTime: string },
): number {
  return deliveryAt(nextPeriod(latestDuePeriod(kind, now, chat)), chat);
}

/** Chinese label of a period: 2024年第17周（4月22日–26日） or 2024年4月. */
export function periodLabel(period: Period): string {
  const [y, m] = period.key.split("-");
  if (period.kind === "month") return `${y}年${Number(m)}月`;
  const md = (d: LocalDate) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
  return `${isoWeekOf(period.first).year}年第${Number(period.key.slice(6))}周（${md(period.first)}–${md(period.last)}）`;
}
