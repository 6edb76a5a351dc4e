import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { parseSummariseArgs } from "../src/cli/summarise.ts";
import { main } from "../src/cli.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";

let llm: FakeOpenAI;
beforeAll(async () => {
  llm = await startFakeOpenAI({ apiKey: "sk-doctor-cli-key" });
});
afterAll(async () => {
  await llm.close();
});

function cli(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { LOG_LEVEL: "warn", ...env },
    stdin: Readable.from([]),
    isTty: false,
  };
  return { out, err, run: (...args: string[]) => main(args, io) };
}

describe("sudi doctor", () => {
  it("prints the LLM check and exits 0 when the provider writes a card", async () => {
    const c = cli({
      SUDI_LLM_PRESET: "deepseek",
      OPENAI_BASE_URL: llm.url,
      OPENAI_API_KEY: "sk-doctor-cli-key",
    });
    expect(await c.run("doctor", "--format", "json")).toBe(0);
    const report = JSON.parse(c.out.join("\n"));
    expect(report.ok).toBe(true);
    // The LLM's line comes first; the chat platforms' follow (none configured here).
    expect(report.checks[0]).toMatchObject({ check: "llm", jsonMode: "json_object" });
    expect(llm.requests.at(-1)?.model).toBe("deepseek-v4-flash");
  });

  it("names the variable and exits 1 when the key is wrong, without printing it", async () => {
    const c = cli({ OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: "sk-wrong-cli-key" });
    expect(await c.run("doctor")).toBe(1);
    const text = c.out.join("\n");
    expect(text).toMatch(/^FAIL llm .*OPENAI_API_KEY/);
    expect(text).not.toContain("sk-wrong-cli-key");
  });
});

describe("sudi summarise flags", () => {
  it("reads --limit, --refresh and --retry-failed, and refuses anything else", () => {
    expect(parseSummariseArgs([])).toEqual({ refresh: false, retryFailed: false });
    expect(parseSummariseArgs(["--limit=5", "--refresh", "--retry-failed"])).toEqual({
      limit: 5,
      refresh: true,
      retryFailed: true,
    });
    expect(() => parseSummariseArgs(["--limit", "0"])).toThrow(/at least 1/);
    expect(() => parseSummariseArgs(["--everything"])).toThrow();
  });
});
