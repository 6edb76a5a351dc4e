import { describe, expect, it } from "vitest";
import { latestAnnouncementAt, nextAnnouncementAt } from "../src/arxiv/calendar.ts";
import { CRON_EXAMPLES, command } from "../src/cli/run-once.ts";
import { addDays, instantOf, weekdayOf } from "../src/core/zoned-time.ts";

/** The instants a "M H * * D-D" line fires on, read on a server whose clock is `timeZone`. */
function firings(line: string, timeZone: string, from: string, days: number): number[] {
  const [minute, hour, dom, month, dow] = line.split(" ");
  expect([dom, month]).toEqual(["*", "*"]);
  const [first, last] = (dow ?? "").split("-").map(Number);
  const out: number[] = [];
  for (let i = 0, d = from; i < days; i++, d = addDays(d, 1)) {
    const wd = weekdayOf(d);
    if (wd >= (first ?? 0) && wd <= (last ?? 6)) {
      out.push(instantOf(d, Number(hour), Number(minute), timeZone));
    }
  }
  return out;
}

describe("the cron advice in sudi run-once --help", () => {
  it("prints one line per server clock and no CRON_TZ", () => {
    for (const e of CRON_EXAMPLES) expect(command.help).toContain(`${e.line}  cd /srv/sudi`);
    expect(command.help).not.toMatch(/^\s*CRON_TZ=/m);
    expect(command.help).not.toContain("0 22 * * 0-4");
  });

  for (const example of CRON_EXAMPLES) {
    it(`${example.line} on a ${example.zone} clock runs once after each announcement of 2025`, () => {
      // 2025 holds both daylight-saving changes in New York (March 9 and November 2).
      const runs = firings(example.line, example.timeZone, "2024-12-30", 370);
      let announcement = nextAnnouncementAt(Date.UTC(2025, 0, 1));
      let checked = 0;
      while (announcement.announceDate < "2026-01-01") {
        const next = nextAnnouncementAt(announcement.at);
        // the first run after this announcement comes before the next one, so none is skipped
        const run = runs.find((t) => t >= announcement.at);
        expect(run, announcement.announceDate).toBeDefined();
        expect(run as number, announcement.announceDate).toBeLessThan(next.at);
        // and that run, told the time, sees this announcement as the latest
        expect(latestAnnouncementAt(run as number).announceDate).toBe(announcement.announceDate);
        announcement = next;
        checked++;
      }
      expect(checked).toBeGreaterThan(240);
    });
  }

  it("the old line (22:00 Beijing, Sunday to Thursday) runs before the evening's announcement", () => {
    // 22:00 Beijing on Tuesday 2025-03-11 is 10:00 in New York: the announcement is 10 h away.
    const run = instantOf("2025-03-11", 22, 0, "Asia/Shanghai");
    const latest = latestAnnouncementAt(run);
    expect(latest.announceDate).toBe("2025-03-11");
    expect(nextAnnouncementAt(run).at - run).toBe(10 * 3_600_000);
  });
});
