/**
 * Delivery times: parsing what users type for /settime and computing when a chat's next
 * digest is due in its own time zone, with only Intl (no time-zone library).
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

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallTime(at: Date, timeZone: string): WallTime {
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
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
}

/**
 * The instant a wall-clock time occurs in `timeZone`. A time skipped by a DST jump resolves
 * to the same wall time after the jump's offset (e.g. 02:30 → 03:30), which is what a person
 * who set 02:30 would expect to see.
 */
export function zonedInstant(wall: WallTime, timeZone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  let guess = asUtc;
  // Two rounds settle the offset, also across a DST change between the guess and the answer.
  for (let i = 0; i < 2; i++) {
    const seen = wallTime(new Date(guess), timeZone);
    const seenUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    guess += asUtc - seenUtc;
  }
  return new Date(guess);
}

/** The first time after `now` that the clock in `timeZone` shows `digestTime` (HH:MM). */
export function nextDelivery(now: Date, digestTime: string, timeZone: string): Date {
  const [hour = 0, minute = 0] = digestTime.split(":").map(Number);
  const today = wallTime(now, timeZone);
  for (let offset = 0; offset < 3; offset++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const at = zonedInstant(
      {
        year: day.getUTCFullYear(),
        month: day.getUTCMonth() + 1,
        day: day.getUTCDate(),
        hour,
        minute,
      },
      timeZone,
    );
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error(`no delivery time found for ${digestTime} in ${timeZone}`);
}

/** "2024-04-25 09:00" as the clock in `timeZone` shows it. */
export function formatWallTime(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}`;
}
