/**
 * `npm run bench -- providers`: LLM calls per paper against providers that omit a field in
 * every answer (the fake OpenAI server's `omitFields`), in json_object mode as DeepSeek, Qwen,
 * Kimi and GLM are used, on a first run and a second run of `sudi summarise` on the same day.
 * Goal: at most 1.05 calls a paper on the first run and 0 on the second, whichever field is
 * left out (an optional one keeps the card; a required one fails the paper at bounded cost).
 */
import { CardStore } from "../src/store/cards.ts";
import { openDatabase } from "../src/store/db.ts";
import { PaperStore } from "../src/store/papers.ts";
import { LlmClient } from "../src/summarise/llm.ts";
import { Summariser } from "../src/summarise/summariser.ts";
import { startFakeOpenAI } from "../test/fakes/openai.ts";
import { fixturePapers, syntheticPaper } from "../test/summarise-fixtures.ts";

const PAPERS = 500;
const CONCURRENCY = 8;
const samples = fixturePapers();

async function scenario(label: string, omitFields: string[]) {
  const fake = await startFakeOpenAI({ omitFields });
  const db = openDatabase(":memory:");
  const papers = new PaperStore(db);
  const cards = new CardStore(db);
  for (let i = 0; i < PAPERS; i++) {
    const base = samples[i % samples.length];
    if (base) papers.upsert(syntheticPaper(i, base), { date: "2024-04-24", type: "new" });
  }
  const summariser = new Summariser({
    cards,
    papers,
    llm: new LlmClient({
      baseURL: fake.url,
      apiKey: "sk-bench",
      model: "fake-model",
      jsonMode: "json_object",
    }),
    model: "fake-model",
    dailyTokens: 1_000_000_000,
    concurrency: CONCURRENCY,
  });
  const first = await summariser.summariseMissing();
  const second = await summariser.summariseMissing();
  const perPaper = (calls: number) => (calls / PAPERS).toFixed(3);
  console.log(
    `${label.padEnd(30)} first run ${perPaper(first.calls)} calls/paper ` +
      `(${first.written} cards, ${first.failures} failed), ` +
      `second run ${perPaper(second.calls)} calls/paper (${second.skipped} not asked again)`,
  );
  db.close();
  await fake.close();
}

console.log(
  `${PAPERS} papers, json_object mode, concurrency ${CONCURRENCY} (goal: <= 1.05, then 0)`,
);
await scenario("omits nothing", []);
await scenario("omits score_reason", ["score_reason"]);
await scenario("omits keywords and score", ["keywords", "score"]);
await scenario("omits tldr (required)", ["tldr"]);
