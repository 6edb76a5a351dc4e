import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../src/core/retry-after.ts";
import { safeUrl } from "../src/core/url.ts";

describe("retryAfterMs", () => {
  const now = Date.parse("2024-04-24T04:00:00Z");
  it.each([
    [{ "retry-after": "120" }, 120_000],
    [{ "retry-after": "0" }, 0],
    [{ "retry-after": " 3 " }, 3000],
    [{ "retry-after-ms": "120.5" }, 120.5],
    [{ "retry-after-ms": "250", "retry-after": "9" }, 250],
    [{ "retry-after": "Wed, 24 Apr 2024 04:01:00 GMT" }, 60_000],
    [{ "retry-after": "Wed, 24 Apr 2024 03:00:00 GMT" }, 0],
    [{ "retry-after": "soon" }, undefined],
    [{}, undefined],
  ])("%j → %s", (headers, ms) => {
    expect(retryAfterMs(new Headers(headers), now)).toBe(ms);
  });

  it("reads no headers as no wait", () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe("safeUrl", () => {
  it.each([
    ["https://arxiv.org/abs/2404.14469", "https://arxiv.org/abs/2404.14469"],
    ["http://example.org/a(b)", "http://example.org/a%28b%29"],
    ["https://example.org/a b<c>", "https://example.org/a%20b%3Cc%3E"],
    ["javascript:alert(1)", undefined],
    ["/relative/path", undefined],
    ["not a url", undefined],
    [undefined, undefined],
  ])("%j → %j", (href, expected) => {
    expect(safeUrl(href)).toBe(expected);
  });
});
