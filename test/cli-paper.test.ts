import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { progressLine } from "../src/cli/summarise.ts";
import { main } from "../src/cli.ts";
import { CardSchema } from "../src/store/card.ts";
import { resetLearntDowngrades } from "../src/summarise/llm.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";
import { TEST_KEY } from "./summarise-fixtures.ts";

let llm: FakeOpenAI;
let arxiv: FakeArxiv;
beforeAll(async () => {
  [llm, arxiv] = await Promise.all([startFakeOpenAI(), startFakeArxiv()]);
});
afterAll(async () => {
  await Promise.all([llm.close(), arxiv.close()]);
});
beforeEach(() => {
  llm.reset();
  resetLearntDowngrades();
});

function cli(env: Record<string, string>, isTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { LOG_LEVEL: "warn", ...env },
    stdin: Readable.from([]),
    isTty,
  };
  return { io, out, err, run: (...args: string[]) => main(args, io) };
}

function environment(withKey: boolean): Record<string, string> {
  return {
    SUDI_DB_PATH: join(mkdtempSync(join(tmpdir(), "sudi-cli-")), "sudi.db"),
    ARXIV_API_URL: arxiv.apiUrl,
    ARXIV_RSS_URL: arxiv.rssUrl,
    ARXIV_MIN_INTERVAL_MS: "0",
    OPENAI_BASE_URL: llm.url,
    OPENAI_MODEL: "fake-model",
    OPENAI_API_KEY: withKey ? TEST_KEY : "",
  };
}

describe("sudi paper", () => {
  it("fetches an unknown paper from arXiv, summarises it once and prints the card as JSON", async () => {
    const env = environment(true);
    const first = cli(env);
    expect(await first.run("paper", "https://arxiv.org/abs/2404.01197v1", "--format", "json")).toBe(
      0,
    );
    const card = JSON.parse(first.out.join("\n"));
    expect(CardSchema.parse(card)).toMatchObject({
      paper_id: "2404.01197",
      fallback: false,
      prompt_version: expect.stringMatching(/^card-v1\+[0-9a-f]{6}$/),
      model: "fake-model",
    });
    for (const field of ["title_zh", "tldr", "motivation", "method", "results", "topics"]) {
      expect(card).toHaveProperty(field);
    }
    expect(typeof card.chapter).toBe("string");
    expect(llm.requests).toHaveLength(1);

    // Cached: the second run neither fetches nor calls the LLM.
    const fetchesBefore = arxiv.requests.length;
    const second = cli(env);
    expect(await second.run("paper", "arXiv:2404.01197", "--format=markdown")).toBe(0);
    expect(second.out.join("\n")).toContain(card.title_zh.split("：")[0]);
    expect(llm.requests).toHaveLength(1);
    expect(arxiv.requests.length).toBe(fetchesBefore);
  });

  it("prints a fallback card without a key, and never calls the LLM", async () => {
    const c = cli(environment(false));
    expect(await c.run("paper", "2404.01197", "--format", "text")).toBe(0);
    expect(c.out.join("\n")).toContain("Getting it Right");
    expect(c.err.join("\n")).toContain("OPENAI_API_KEY is not set");
    expect(llm.requests).toHaveLength(0);
  });

  it("renders HTML with the card's links built from the id", async () => {
    const c = cli(environment(true));
    expect(await c.run("paper", "2404.01197", "--format", "html")).toBe(0);
    expect(c.out.join("\n")).toContain('href="https://arxiv.org/abs/2404.01197"');
  });

  it("rejects a malformed id with the accepted forms and exit code 2", async () => {
    const c = cli(environment(true));
    expect(await c.run("paper", "not-a-paper")).toBe(2);
    expect(c.err.join("\n")).toContain("2404.14469v2");
    expect(await c.run("paper", "2404.01197", "--format", "pdf")).toBe(2);
    expect(llm.requests).toHaveLength(0);
  });
});

describe("sudi summarise", () => {
  it("summarises stored papers with plain progress lines off a terminal, then has nothing left", async () => {
    const env = environment(true);
    // Store two papers through `sudi paper` without a key (fallback cards)...
    const offline = cli({ ...env, OPENAI_API_KEY: "" });
    await offline.run("paper", "2404.01197");
    await offline.run("paper", "2404.03673");
    expect(llm.requests).toHaveLength(0);
    // ...then upgrade them.
    const c = cli({ ...env, LOG_LEVEL: "info" });
    expect(await c.run("summarise")).toBe(0);
    expect(c.out.join("\n")).toContain("summarised 2 papers: 2 cards written");
    expect(c.err.some((l) => l.includes("summarise progress"))).toBe(true);
    expect(c.err.join("\n")).not.toContain(TEST_KEY);
    expect(llm.requests).toHaveLength(2);

    const again = cli(env);
    expect(await again.run("summarise", "--limit", "5")).toBe(0);
    expect(again.out.join("\n")).toContain("summarised 0 papers");
    expect(llm.requests).toHaveLength(2);
  });

  it("draws a progress bar on a terminal", async () => {
    const env = environment(true);
    await cli({ ...env, OPENAI_API_KEY: "" }).run("paper", "2404.01197");
    const c = cli(env, true);
    expect(await c.run("summarise")).toBe(0);
    expect(c.err.at(-1)).toContain("1/1");
    expect(progressLine({ done: 5, total: 10, failures: 1, tokens: 12_345 }, 10)).toBe(
      "summarising [█████░░░░░] 5/10 · 1 failed · 12.3k tokens",
    );
  });

  it("rejects a bad --limit", async () => {
    const c = cli(environment(true));
    expect(await c.run("summarise", "--limit", "0")).toBe(2);
    expect(await c.run("summarise", "--fast")).toBe(2);
  });
});
