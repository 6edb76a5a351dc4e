/** `sudi paper <id> --deep` and `sudi ask`, through the CLI's main against the fakes. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { main } from "../src/cli.ts";
import { DEEP } from "../src/core/texts/deep.ts";
import { DeepCardSchema } from "../src/store/deep.ts";
import { resetLearntDowngrades } from "../src/summarise/llm.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";
import { latexmlHtml, SAMPLE_PAPER } from "./helpers/fulltext.ts";
import { TEST_KEY } from "./summarise-fixtures.ts";

let llm: FakeOpenAI;
let arxiv: FakeArxiv;
const ID = "2404.01197";
beforeAll(async () => {
  [llm, arxiv] = await Promise.all([startFakeOpenAI(), startFakeArxiv()]);
  arxiv.setDocument("html", `${ID}v1`, latexmlHtml(SAMPLE_PAPER));
});
afterAll(async () => {
  await Promise.all([llm.close(), arxiv.close()]);
});
beforeEach(() => {
  llm.reset();
  resetLearntDowngrades();
});

function cli(withKey: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      LOG_LEVEL: "warn",
      SUDI_DB_PATH: join(mkdtempSync(join(tmpdir(), "sudi-deep-")), "sudi.db"),
      ARXIV_API_URL: arxiv.apiUrl,
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_HTML_URL: arxiv.htmlUrl,
      ARXIV_PDF_URL: arxiv.pdfUrl,
      ARXIV_MIN_INTERVAL_MS: "0",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: "fake-model",
      OPENAI_API_KEY: withKey ? TEST_KEY : "",
    },
    stdin: Readable.from([]),
    isTty: false,
  };
  return { io, out, err, run: (...args: string[]) => main(args, io) };
}

describe("sudi paper --deep", () => {
  it("prints the deep-read card as JSON with its contract fields, then from the cache", async () => {
    const c = cli(true);
    expect(await c.run("paper", ID, "--deep", "--format", "json")).toBe(0);
    const card = DeepCardSchema.parse(JSON.parse(c.out.join("\n")));
    expect(card.paper_id).toBe(ID);
    expect(card.source).toBe("html");
    expect(card.affiliations).toContain("Huawei Noah's Ark Lab");
    expect(card.summary).not.toBe("");
    const calls = llm.requests.length;
    c.out.length = 0;
    expect(await c.run("paper", ID, "--deep", "--format", "markdown")).toBe(0);
    expect(c.out.join("\n")).toContain("**📝 摘要**");
    expect(llm.requests.length).toBe(calls);
  });

  it("without a key says what is missing, prints the short card and exits 1", async () => {
    const c = cli(false);
    expect(await c.run("paper", ID, "--deep")).toBe(1);
    expect(c.err.join("\n")).toContain(DEEP.noLlm);
    expect(c.out.join("\n")).toContain("https://arxiv.org/abs/2404.01197");
    expect(llm.requests).toHaveLength(0);
  });
});

describe("sudi ask", () => {
  it("answers from the full text with its quote, or says the paper does not answer", async () => {
    const c = cli(true);
    expect(await c.run("ask", ID, "它在 ImageNet 上的 FID 是多少？")).toBe(0);
    expect(c.out.join("\n")).toContain("📌 依据「Experiments」");
    c.out.length = 0;
    expect(await c.run("ask", ID, "它和 H2O 有什么区别？", "--format", "json")).toBe(0);
    const answer = JSON.parse(c.out.join("\n"));
    expect(answer).toMatchObject({ answered: false, quotes: [] });
  });

  it("needs a question", async () => {
    const c = cli(true);
    expect(await c.run("ask", ID)).toBe(2);
    expect(c.err.join("\n")).toContain("give a paper and a question");
  });
});
