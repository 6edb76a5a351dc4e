import { describe, expect, it } from "vitest";
import {
  ARXIV_HOLIDAYS,
  announcementAt,
  InvalidAnnounceDateError,
  isMailingDate,
  latestAnnouncementAt,
  nextAnnouncementAt,
  submissionWindow,
} from "../src/arxiv/calendar.ts";
import { instantOf, nextDailyAt, wallTime } from "../src/core/zoned-time.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

describe("zoned time", () => {
  it("maps wall time to instants on both sides of New York's DST changes", () => {
    expect(iso(instantOf("2024-03-09", 20, 0, "America/New_York"))).toBe(
      "2024-03-10T01:00:00.000Z",
    );
    expect(iso(instantOf("2024-03-10", 20, 0, "America/New_York"))).toBe(
      "2024-03-11T00:00:00.000Z",
    );
    expect(iso(instantOf("2024-11-02", 20, 0, "America/New_York"))).toBe(
      "2024-11-03T00:00:00.000Z",
    );
    expect(iso(instantOf("2024-11-03", 20, 0, "America/New_York"))).toBe(
      "2024-11-04T01:00:00.000Z",
    );
  });

  it("a wall time in the spring gap moves forward; a repeated autumn one takes the first", () => {
    expect(iso(instantOf("2024-03-10", 2, 30, "America/New_York"))).toBe(
      "2024-03-10T07:30:00.000Z",
    );
    expect(iso(instantOf("2024-11-03", 1, 30, "America/New_York"))).toBe(
      "2024-11-03T05:30:00.000Z",
    );
    expect(iso(instantOf("2024-03-31", 2, 30, "Europe/Berlin"))).toBe("2024-03-31T01:30:00.000Z");
  });

  it("reads local day, time and weekday in a zone", () => {
    expect(wallTime(at("2024-03-11T00:30:00Z"), "Asia/Shanghai")).toMatchObject({
      date: "2024-03-11",
      hour: 8,
      minute: 30,
      weekday: 1,
    });
    expect(wallTime(at("2024-03-11T00:30:00Z"), "America/New_York")).toMatchObject({
      date: "2024-03-10",
      hour: 20,
      weekday: 0,
    });
  });

  it("finds the next daily HH:MM at or after an instant", () => {
    const after = at("2024-03-11T00:00:00Z");
    expect(iso(nextDailyAt(after, "09:00", "Asia/Shanghai"))).toBe("2024-03-11T01:00:00.000Z");
    // 08:00 in Shanghai is exactly `after`: at or after includes it; 07:59 is the next day's.
    expect(iso(nextDailyAt(after, "08:00", "Asia/Shanghai"))).toBe("2024-03-11T00:00:00.000Z");
    expect(iso(nextDailyAt(after, "07:59", "Asia/Shanghai"))).toBe("2024-03-11T23:59:00.000Z");
    expect(iso(nextDailyAt(after, "08:00", "Europe/Berlin"))).toBe("2024-03-11T07:00:00.000Z");
    expect(iso(nextDailyAt(at("2024-03-11T01:00:00Z"), "09:00", "Asia/Shanghai"))).toBe(
      "2024-03-11T01:00:00.000Z",
    );
  });
});

describe("arXiv announcement calendar", () => {
  it("publishes each mailing at 20:00 New York the evening before, in EST and in EDT", () => {
    expect(iso(announcementAt("2024-03-08"))).toBe("2024-03-08T01:00:00.000Z"); // Thu 20:00 EST
    expect(iso(announcementAt("2024-03-11"))).toBe("2024-03-11T00:00:00.000Z"); // Sun 20:00 EDT
    expect(iso(announcementAt("2024-11-01"))).toBe("2024-11-01T00:00:00.000Z"); // Thu 20:00 EDT
    expect(iso(announcementAt("2024-11-04"))).toBe("2024-11-04T01:00:00.000Z"); // Sun 20:00 EST
  });

  it("has mailings Monday to Friday only", () => {
    expect(["2024-04-22", "2024-04-26"].map((d) => isMailingDate(d))).toEqual([true, true]);
    expect(["2024-04-27", "2024-04-28"].map((d) => isMailingDate(d))).toEqual([false, false]);
  });

  it("keeps Friday's mailing as the latest through Friday, Saturday and Sunday until 20:00", () => {
    const friday = "2024-04-26";
    for (const now of [
      "2024-04-26T00:00:00Z", // Thu 20:00 EDT: Friday's mailing appears
      "2024-04-26T23:00:00Z", // Fri 19:00 EDT
      "2024-04-27T01:00:00Z", // Fri 21:00 EDT: nothing new on Friday evenings
      "2024-04-28T01:00:00Z", // Sat 21:00 EDT
      "2024-04-28T23:59:59Z", // Sun 19:59 EDT
    ]) {
      expect(latestAnnouncementAt(at(now)).announceDate).toBe(friday);
    }
    expect(latestAnnouncementAt(at("2024-04-29T00:00:00Z")).announceDate).toBe("2024-04-29");
    expect(nextAnnouncementAt(at("2024-04-26T01:00:00Z"))).toEqual({
      announceDate: "2024-04-29",
      at: at("2024-04-29T00:00:00Z"),
    });
  });

  it("crosses the March and November DST changes at the right instant", () => {
    // Sunday 2024-03-10 20:00 is EDT (UTC-4): Monday's mailing appears at 00:00 UTC.
    expect(latestAnnouncementAt(at("2024-03-10T23:59:59Z")).announceDate).toBe("2024-03-08");
    expect(latestAnnouncementAt(at("2024-03-11T00:00:00Z")).announceDate).toBe("2024-03-11");
    // Sunday 2024-11-03 20:00 is EST (UTC-5): Monday's mailing appears at 01:00 UTC.
    expect(latestAnnouncementAt(at("2024-11-04T00:59:59Z")).announceDate).toBe("2024-11-01");
    expect(latestAnnouncementAt(at("2024-11-04T01:00:00Z")).announceDate).toBe("2024-11-04");
  });

  it("skips holidays without inventing an empty day", () => {
    expect(ARXIV_HOLIDAYS).toContain("2024-12-25");
    expect(isMailingDate("2024-12-25")).toBe(false);
    // Tuesday 24 Dec 20:00 EST: no mailing for the 25th, so the 24th stays the latest.
    expect(latestAnnouncementAt(at("2024-12-25T03:00:00Z")).announceDate).toBe("2024-12-24");
    expect(nextAnnouncementAt(at("2024-12-24T12:00:00Z")).announceDate).toBe("2024-12-26");
    // A custom table (what tests and operators can pass) is honoured.
    expect(
      latestAnnouncementAt(at("2024-04-25T03:00:00Z"), new Set(["2024-04-25"])).announceDate,
    ).toBe("2024-04-24");
  });
});

describe("submissionWindow", () => {
  const window = (date: string, holidays: ReadonlySet<string> = new Set()) => {
    const w = submissionWindow(date, holidays);
    return [w.from.toISOString(), w.to.toISOString()];
  };

  it("runs from the cutoff two weekdays back to the weekday before, at 14:00 New York time", () => {
    // Thursday 2024-04-25: submissions Tuesday 14:00 EDT to Wednesday 14:00 EDT
    expect(window("2024-04-25")).toEqual(["2024-04-23T18:00:00.000Z", "2024-04-24T18:00:00.000Z"]);
    // Monday 2024-01-08 (EST): Thursday 14:00 to Friday 14:00
    expect(window("2024-01-08")).toEqual(["2024-01-04T19:00:00.000Z", "2024-01-05T19:00:00.000Z"]);
  });

  it("follows New York's clock change inside a window", () => {
    // DST began Sunday 2024-03-10: Friday's cutoff is EST, Monday's is EDT
    expect(window("2024-03-12")).toEqual(["2024-03-08T19:00:00.000Z", "2024-03-11T18:00:00.000Z"]);
  });

  it("widens the window after a skipped mailing", () => {
    // Thanksgiving 2024: no mailing dated Thursday 11-28, so Friday's carries both days
    expect(window("2024-11-29", new Set(["2024-11-28"]))).toEqual([
      "2024-11-26T19:00:00.000Z",
      "2024-11-28T19:00:00.000Z",
    ]);
    expect(window("2024-11-29")).toEqual(["2024-11-27T19:00:00.000Z", "2024-11-28T19:00:00.000Z"]);
  });

  it("refuses weekends and dates that do not exist", () => {
    expect(() => submissionWindow("2024-04-27")).toThrow(InvalidAnnounceDateError);
    expect(() => submissionWindow("2024-02-30")).toThrow(InvalidAnnounceDateError);
  });
});
