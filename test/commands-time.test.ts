import { describe, expect, it } from "vitest";
import { parseCommand, splitList, unquote } from "../src/commands/input.ts";
import { RateLimiter } from "../src/commands/rate-limit.ts";
import { formatWallTime, nextDelivery } from "../src/commands/time.ts";
import { canonicalTimeZone, parseDigestTime } from "../src/core/setting-rules.ts";
import { topicTextProblem } from "../src/topics/input.ts";

describe("parseDigestTime", () => {
  it.each([
    ["9:00", "09:00"],
    ["09:00", "09:00"],
    ["９：００", "09:00"],
    ["23:59", "23:59"],
    ["0:00", "00:00"],
    ["9点", "09:00"],
    ["9点半", "09:30"],
    ["21点15分", "21:15"],
  ])("%s → %s", (input, expected) => {
    expect(parseDigestTime(input)).toBe(expected);
  });

  it.each(["24:00", "9:5", "12:60", "9", "", "9:00am", "-1:00", "９：６０", "1:000"])(
    "refuses %j",
    (input) => {
      expect(parseDigestTime(input)).toBeNull();
    },
  );
});

describe("time zones and the next delivery", () => {
  it("canonicalises known zones and refuses others", () => {
    expect(canonicalTimeZone("asia/shanghai")).toBe("Asia/Shanghai");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("Mars/Base")).toBeNull();
    expect(canonicalTimeZone("<script>")).toBeNull();
  });

  it("is the chat's time after the newest announcement while that is still ahead", () => {
    // Wednesday 2024-04-24 20:00 New York = Thursday 08:00 Shanghai: the mailing of 04-25.
    const now = new Date("2024-04-25T00:30:00Z"); // Thursday 08:30 in Shanghai
    expect(nextDelivery(now, "09:00", "Asia/Shanghai").toISOString()).toBe(
      "2024-04-25T01:00:00.000Z",
    );
    expect(formatWallTime(nextDelivery(now, "09:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-25 09:00",
    );
    // 08:00 has passed: the next announcement is Thursday evening in New York.
    expect(formatWallTime(nextDelivery(now, "08:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-26 08:00",
    );
  });

  it("skips the weekend, when arXiv announces nothing", () => {
    // Friday 2024-04-26 10:00 Shanghai: no announcement Friday or Saturday evening in New York;
    // the next is Sunday 20:00 EDT = Monday 08:00 Shanghai.
    const friday = new Date("2024-04-26T02:00:00Z");
    expect(formatWallTime(nextDelivery(friday, "09:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-29 09:00",
    );
    // A 07:00 chat has not had Friday's mailing (published 08:00 Shanghai): Saturday 07:00.
    expect(formatWallTime(nextDelivery(friday, "07:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-27 07:00",
    );
    // On Saturday after that, 07:00 comes before Monday's 08:00 announcement: Tuesday 07:00.
    const saturday = new Date("2024-04-27T02:00:00Z");
    expect(formatWallTime(nextDelivery(saturday, "07:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-30 07:00",
    );
  });

  it("follows daylight saving time in Berlin and New York", () => {
    // Berlin goes to summer time on 2024-03-31; the Sunday-evening announcement is at
    // 2024-04-01 00:00 UTC, so 08:00 Berlin (CEST) on Monday is 06:00 UTC.
    const saturday = new Date("2024-03-30T12:00:00Z");
    expect(nextDelivery(saturday, "08:00", "Europe/Berlin").toISOString()).toBe(
      "2024-04-01T06:00:00.000Z",
    );
    // New York falls back on 2024-11-03; Sunday's announcement is 20:00 EST = 01:00 UTC Monday,
    // and 21:00 that evening is 02:00 UTC.
    const fall = new Date("2024-11-02T20:00:00Z");
    expect(nextDelivery(fall, "21:00", "America/New_York").toISOString()).toBe(
      "2024-11-04T02:00:00.000Z",
    );
  });
});

describe("input parsing", () => {
  it("splits the command word from its argument", () => {
    expect(parseCommand("/Subscribe  文生视频 ")).toEqual({ name: "subscribe", args: "文生视频" });
    expect(parseCommand("／ｌｉｓｔ")).toEqual({ name: "list", args: "" });
    expect(parseCommand("\u200b/help")).toEqual({ name: "help", args: "" });
    expect(parseCommand("/start@sudi_bot payload")).toEqual({ name: "start", args: "payload" });
    expect(parseCommand("hello")).toBeNull();
    expect(parseCommand("/ help")).toBeNull();
    expect(parseCommand("/cmd2 x")).toEqual({ name: "cmd2", args: "x" });
  });

  it("splits lists on commas but not on spaces, and unquotes keywords", () => {
    expect(splitList("文生图，文生视频、diffusion model, cs.CV")).toEqual([
      "文生图",
      "文生视频",
      "diffusion model",
      "cs.CV",
    ]);
    expect(unquote("「世界模型」")).toEqual({ text: "世界模型", quoted: true });
    expect(unquote('"a b"')).toEqual({ text: "a b", quoted: true });
    expect(unquote("a b")).toEqual({ text: "a b", quoted: false });
  });

  it("names the problem of a bad topic", () => {
    expect(topicTextProblem("")).toBe("empty");
    expect(topicTextProblem("x".repeat(65))).toBe("too_long");
    expect(topicTextProblem("a\u200bb")).toBe("invisible");
    expect(topicTextProblem("a<b")).toBe("characters");
    expect(topicTextProblem("...")).toBe("characters");
    expect(topicTextProblem("文/图生视频")).toBeNull();
    expect(topicTextProblem("智能体(Agent)")).toBeNull();
  });
});

describe("RateLimiter", () => {
  it("allows max uses per window per key and says how long to wait", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1000, () => now);
    expect(limiter.take("a")).toBe(0);
    now = 100;
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(900);
    expect(limiter.take("b")).toBe(0);
    now = 1000;
    expect(limiter.take("a")).toBe(0);
  });
});
