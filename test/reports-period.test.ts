import { describe, expect, it } from "vitest";
import {
  ARXIV_CALENDAR,
  deliveryAt,
  deliveryDate,
  InvalidPeriodError,
  isoWeekOf,
  latestDuePeriod,
  mailingDates,
  monthOf,
  nextDeliveryAt,
  parsePeriod,
  periodLabel,
  previousPeriod,
  weekOf,
} from "../src/reports/period.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const chat = (timezone: string, digestTime = "09:00") => ({ timezone, digestTime });

describe("report periods", () => {
  it("a 周报 covers the announcements dated Monday to Friday of one ISO week", () => {
    const w = parsePeriod("2024-W17");
    expect(w).toEqual({ kind: "week", key: "2024-W17", first: "2024-04-22", last: "2024-04-26" });
    expect(mailingDates(w, ARXIV_CALENDAR)).toEqual([
      "2024-04-22",
      "2024-04-23",
      "2024-04-24",
      "2024-04-25",
      "2024-04-26",
    ]);
    expect(weekOf("2024-04-28").key).toBe("2024-W17"); // Sunday still belongs to its week
    expect(previousPeriod(w).key).toBe("2024-W16");
    expect(periodLabel(w)).toBe("2024年第17周（4月22日–4月26日）");
  });

  it("ISO weeks across the new year, and 53-week years", () => {
    expect(isoWeekOf("2024-12-30")).toEqual({ year: 2025, week: 1 });
    expect(weekOf("2021-01-03").key).toBe("2020-W53");
    expect(parsePeriod("2020-W53").first).toBe("2020-12-28");
    expect(() => parsePeriod("2021-W53")).toThrow(InvalidPeriodError);
    expect(previousPeriod(parsePeriod("2025-W01")).key).toBe("2024-W52");
  });

  it("a 月报 covers the calendar month's announcement dates, holidays left out", () => {
    const m = parsePeriod("2024-04");
    expect(m).toEqual({ kind: "month", key: "2024-04", first: "2024-04-01", last: "2024-04-30" });
    expect(mailingDates(m, ARXIV_CALENDAR)).toHaveLength(22);
    expect(mailingDates(parsePeriod("2024-12"), ARXIV_CALENDAR)).not.toContain("2024-12-25");
    expect(monthOf("2024-02-15").last).toBe("2024-02-29");
    expect(previousPeriod(parsePeriod("2024-01")).key).toBe("2023-12");
    expect(periodLabel(m)).toBe("2024年4月");
  });

  it("refuses malformed periods", () => {
    for (const bad of ["2024-13", "2024-W00", "2024-W54", "W17", "2024/04", "", "2024-4-1"]) {
      expect(() => parsePeriod(bad), bad).toThrow(InvalidPeriodError);
    }
  });

  it("delivers on the first day after the period ends: Monday, or the 1st", () => {
    expect(deliveryDate(parsePeriod("2024-W17"))).toBe("2024-04-29");
    expect(deliveryDate(parsePeriod("2024-04"))).toBe("2024-05-01");
    expect(deliveryDate(parsePeriod("2024-12"))).toBe("2025-01-01");
  });

  it("Asia/Shanghai: Monday 09:00 is Sunday 01:00 UTC; before it the previous week is the newest due", () => {
    const week = parsePeriod("2024-W16");
    expect(iso(deliveryAt(week, chat("Asia/Shanghai")))).toBe("2024-04-22T01:00:00.000Z");
    const before = Date.parse("2024-04-22T00:59:00Z");
    const at = Date.parse("2024-04-22T01:00:00Z");
    expect(latestDuePeriod("week", before, chat("Asia/Shanghai")).key).toBe("2024-W15");
    expect(latestDuePeriod("week", at, chat("Asia/Shanghai")).key).toBe("2024-W16");
    expect(iso(deliveryAt(parsePeriod("2024-04"), chat("Asia/Shanghai")))).toBe(
      "2024-05-01T01:00:00.000Z",
    );
    expect(
      latestDuePeriod("month", Date.parse("2024-05-01T00:30:00Z"), chat("Asia/Shanghai")).key,
    ).toBe("2024-03");
  });

  it("Europe/Berlin across the spring DST change (31 March 2024)", () => {
    const berlin = chat("Europe/Berlin");
    // Monday 25 March, still CET (+1): 08:00 UTC; Monday 1 April, CEST (+2): 07:00 UTC.
    expect(iso(deliveryAt(parsePeriod("2024-W12"), berlin))).toBe("2024-03-25T08:00:00.000Z");
    expect(iso(deliveryAt(parsePeriod("2024-W13"), berlin))).toBe("2024-04-01T07:00:00.000Z");
    // The 月报 of March arrives on 1 April at 09:00 CEST, the week's 周报 at the same moment.
    expect(iso(deliveryAt(parsePeriod("2024-03"), berlin))).toBe("2024-04-01T07:00:00.000Z");
    const justAfter = Date.parse("2024-04-01T07:00:00Z");
    expect(latestDuePeriod("month", justAfter, berlin).key).toBe("2024-03");
    expect(latestDuePeriod("month", justAfter - 60_000, berlin).key).toBe("2024-02");
    // A chat at 02:30, a time 31 March skipped, still gets a moment (shifted by the gap).
    expect(iso(deliveryAt(parsePeriod("2024-W12"), chat("Europe/Berlin", "02:30")))).toBe(
      "2024-03-25T01:30:00.000Z",
    );
  });

  it("America/Los_Angeles across both DST changes", () => {
    const la = chat("America/Los_Angeles");
    // DST began 10 March 2024: Monday 4 March is PST (-8), Monday 11 March PDT (-7).
    expect(iso(deliveryAt(parsePeriod("2024-W09"), la))).toBe("2024-03-04T17:00:00.000Z");
    expect(iso(deliveryAt(parsePeriod("2024-W10"), la))).toBe("2024-03-11T16:00:00.000Z");
    // DST ended 3 November 2024: 1 November is PDT, 1 December PST.
    expect(iso(deliveryAt(parsePeriod("2024-10"), la))).toBe("2024-11-01T16:00:00.000Z");
    expect(iso(deliveryAt(parsePeriod("2024-11"), la))).toBe("2024-12-01T17:00:00.000Z");
    // On Monday 11 March at 08:59 PDT the newest due 周报 is still W09 (delivered 4 March).
    expect(latestDuePeriod("week", Date.parse("2024-03-11T15:59:00Z"), la).key).toBe("2024-W09");
    expect(latestDuePeriod("week", Date.parse("2024-03-11T16:00:00Z"), la).key).toBe("2024-W10");
  });

  it("the next delivery of each kind, for /list", () => {
    const now = Date.parse("2024-04-24T12:00:00Z");
    expect(iso(nextDeliveryAt("week", now, chat("Asia/Shanghai")))).toBe(
      "2024-04-29T01:00:00.000Z",
    );
    expect(iso(nextDeliveryAt("month", now, chat("America/Los_Angeles")))).toBe(
      "2024-05-01T16:00:00.000Z",
    );
  });
});
