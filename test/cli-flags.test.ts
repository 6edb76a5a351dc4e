import { describe, expect, it } from "vitest";
import { parseAskArgs } from "../src/cli/ask.ts";
import { parseFlags, UsageError } from "../src/cli/command.ts";
import { parsePaperArgs } from "../src/cli/paper.ts";
import { parseSummariseArgs } from "../src/cli/summarise.ts";

describe("parseFlags (node:util parseArgs for every command)", () => {
  it("reads --flag value and --flag=value alike", () => {
    expect(parsePaperArgs(["2404.14469", "--format", "json"])).toEqual({
      input: "2404.14469",
      format: "json",
      deep: false,
    });
    expect(parsePaperArgs(["--format=markdown", "2404.14469", "--deep"])).toEqual({
      input: "2404.14469",
      format: "markdown",
      deep: true,
    });
    expect(parseAskArgs(["2404.14469", "它和", "H2O 有什么区别？", "--format=json"])).toEqual({
      input: "2404.14469",
      question: "它和 H2O 有什么区别？",
      format: "json",
    });
    expect(parseSummariseArgs(["--limit=5", "--refresh"])).toEqual({
      limit: 5,
      refresh: true,
      retryFailed: false,
    });
    expect(parseSummariseArgs([])).toEqual({ refresh: false, retryFailed: false });
  });

  it("refuses unknown flags, stray words and bad values as usage errors", () => {
    expect(() => parseFlags(["--bogus"], {})).toThrow(UsageError);
    expect(() => parseFlags(["word"], {})).toThrow(UsageError);
    expect(() => parsePaperArgs(["2404.14469", "2404.00001"])).toThrow(/one paper at a time/);
    expect(() => parsePaperArgs(["--format", "pdf", "2404.14469"])).toThrow(/--format expects/);
    expect(() => parseSummariseArgs(["--limit", "0"])).toThrow(/at least 1/);
  });
});
