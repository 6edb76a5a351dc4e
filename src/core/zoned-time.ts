/**
 * Wall time in an IANA time zone ↔ UTC instant, with Intl only (no tz library). The scheduler
 * needs both directions: "what local day and time is it for this chat" and "when, as an instant,
 * is 09:00 in Asia/Shanghai on 2024-11-04", correct across DST changes.
 */

/** A local calendar day, YYYY-MM-DD. */
export type LocalDate = string;

export interface WallTime {
  date: LocalDate;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Thrown for a time zone Intl does not know, or a malformed HH:MM or date. */
export class InvalidTimeError extends Error {
  constructor(
    readonly value: string,
    readonly expected: string,
  ) {
    super(`invalid ${JSON.stringify(value)}: expected ${expected}`);
    this.name = "InvalidTimeError";
  }
}

/** The wall time at `instant` (ms since epoch) in `timeZone`. */
export function wallTime(instant: number, timeZone: string): WallTime {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatter(timeZone).formatToParts(new Date(instant));
  } catch {
    throw new InvalidTimeError(timeZone, "an IANA time zone");
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
  const y = get("year");
  const mo = get("month");
  const d = get("day");
  const date = `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  return {
    date,
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
    weekday: new Date(Date.UTC(y, mo - 1, d)).getUTCDay(),
  };
}

function parseDate(date: LocalDate): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new InvalidTimeError(date, "YYYY-MM-DD");
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Parses "HH:MM" (00:00 to 23:59). */
export function parseHhMm(text: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) throw new InvalidTimeError(text, "HH:MM");
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** How far `timeZone` is ahead of UTC at `instant`, in ms (whole seconds). */
export function offsetAt(instant: number, timeZone: string): number {
  const w = wallTime(instant, timeZone);
  const [y, mo, d] = parseDate(w.date);
  const asUtc = Date.UTC(y, mo - 1, d, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant when the clocks in `timeZone` show `date` at `hour:minute`. A wall time that
 * happens twice (autumn fall-back) gives the earlier instant; one that never happens (spring
 * gap) gives the instant the clocks jumped over it, shifted by the gap (02:30 → 03:30), like
 * Temporal's "compatible" disambiguation.
 */
export function instantOf(date: LocalDate, hour: number, minute: number, timeZone: string): number {
  const [y, mo, d] = parseDate(date);
  const naive = Date.UTC(y, mo - 1, d, hour, minute);
  const before = offsetAt(naive - 86_400_000, timeZone);
  const after = offsetAt(naive + 86_400_000, timeZone);
  const matches = (t: number) => {
    const w = wallTime(t, timeZone);
    return w.date === date && w.hour === hour && w.minute === minute;
  };
  const candidates = [naive - before, naive - after].filter(matches).sort((a, b) => a - b);
  return candidates[0] ?? naive - before;
}

/** `date` plus `days` calendar days. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, mo, d] = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d + days)).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday, of a calendar day. */
export function weekdayOf(date: LocalDate): number {
  const [y, mo, d] = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
}

/** The first instant at or after `after` when the clocks in `timeZone` show `hhmm`. */
export function nextDailyAt(after: number, hhmm: string, timeZone: string): number {
  const { hour, minute } = parseHhMm(hhmm);
  const today = wallTime(after, timeZone).date;
  for (let i = -1; i <= 2; i++) {
    const t = instantOf(addDays(today, i), hour, minute, timeZone);
    if (t >= after) return t;
  }
  // Unreachable for real zones (offsets are far below a day); fail loudly rather than guess.
  throw new InvalidTimeError(hhmm, `a time that occurs in ${timeZone}`);
}
