import { describe, expect, it } from "vitest";
import { parseCommand, splitList, topicTextProblem, unquote } from "../src/commands/input.ts";
import { RateLimiter } from "../src/commands/rate-limit.ts";
import {
  canonicalTimeZone,
  formatWallTime,
  nextDelivery,
  parseDigestTime,
} from "../src/commands/time.ts";

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

  it("is later today when the time has not passed, else tomorrow", () => {
    const now = new Date("2024-04-25T00:30:00Z"); // 08:30 in Shanghai
    expect(formatWallTime(nextDelivery(now, "09:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-25 09:00",
    );
    expect(nextDelivery(now, "09:00", "Asia/Shanghai").toISOString()).toBe(
      "2024-04-25T01:00:00.000Z",
    );
    expect(formatWallTime(nextDelivery(now, "08:00", "Asia/Shanghai"), "Asia/Shanghai")).toBe(
      "2024-04-26 08:00",
    );
  });

  it("follows daylight saving time in Berlin and New York", () => {
    // Berlin goes to summer time on 2024-03-31 at 02:00.
    const before = new Date("2024-03-30T12:00:00Z");
    expect(nextDelivery(before, "08:00", "Europe/Berlin").toISOString()).toBe(
      "2024-03-31T06:00:00.000Z",
    );
    // New York falls back on 2024-11-03: 08:00 is then UTC-5.
    const fall = new Date("2024-11-02T20:00:00Z");
    expect(nextDelivery(fall, "08:00", "America/New_York").toISOString()).toBe(
      "2024-11-03T13:00:00.000Z",
    );
    // A time skipped by the spring jump still gets a delivery that day.
    const spring = new Date("2024-03-10T05:00:00Z");
    const at = nextDelivery(spring, "02:30", "America/New_York");
    expect(at.getTime()).toBeGreaterThan(spring.getTime());
    expect(formatWallTime(at, "America/New_York").slice(0, 10)).toBe("2024-03-10");
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
