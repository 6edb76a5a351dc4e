/**
 * arXiv's announcement calendar, for the back-fill path: papers submitted before 14:00
 * US Eastern on a weekday are announced that evening, under the next weekday's date (Friday's
 * submissions appear on Monday). Holidays are not modelled: a back-fill around one may pick up a
 * neighbouring day's papers, which is harmless because the outbox never posts a paper twice.
 */

const CUTOFF_HOUR_ET = 14;
const DAY_MS = 86_400_000;

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

function parseDay(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new InvalidAnnounceDateError(date, "expected a real date as YYYY-MM-DD");
  }
  return ms;
}

const weekday = (ms: number) => new Date(ms).getUTCDay();

/** arXiv announces Monday to Friday. */
export function isAnnouncementWeekday(date: string): boolean {
  const wd = weekday(parseDay(date));
  return wd >= 1 && wd <= 5;
}

function previousWeekday(ms: number): number {
  let d = ms - DAY_MS;
  while (weekday(d) === 0 || weekday(d) === 6) d -= DAY_MS;
  return d;
}

const eastern = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  timeZoneName: "longOffset",
});

/** Offset of New York from UTC at `ms`, in ms (-4 h in summer, -5 h in winter). */
function easternOffsetMs(ms: number): number {
  const name = eastern.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? "");
  if (!m) return 0;
  const sign = m[1] === "-" ? -1 : 1;
  return sign * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000);
}

/** The instant of 14:00 US Eastern on the day starting at UTC midnight `dayMs`. */
function cutoff(dayMs: number): number {
  const local = dayMs + CUTOFF_HOUR_ET * 3_600_000;
  return local - easternOffsetMs(local - easternOffsetMs(local));
}

/**
 * The submission window of the announcement dated `announceDate`: from the previous cutoff
 * (inclusive) to the cutoff of the weekday before it (exclusive), as UTC instants.
 */
export function submissionWindow(announceDate: string): { from: Date; to: Date } {
  const ms = parseDay(announceDate);
  if (!isAnnouncementWeekday(announceDate)) {
    throw new InvalidAnnounceDateError(announceDate, "arXiv announces only Monday to Friday");
  }
  const last = previousWeekday(ms);
  return { from: new Date(cutoff(previousWeekday(last))), to: new Date(cutoff(last)) };
}

/** A UTC instant as arXiv's submittedDate query wants it: YYYYMMDDHHMM. */
export function submittedDateStamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace(/[-T:]/g, "");
}
