/**
 * `npm run bench -- deep`: the deep read (深读) through the real path, against the fakes.
 *
 * 1. Prompt tokens of a deep read over the 55 fixture papers, each rendered as a PDF with
 *    pdf-lib (title block, abstract, then Introduction / Related Work / Method / Experiments /
 *    Analysis / Conclusion / References), served by the fake arXiv with no HTML, so every paper
 *    goes HTML 404 → PDF → pdf.js → sections → excerpt → prompt → the fake LLM. Only the title,
 *    authors and abstract are the fixture's own text: the body is the abstract's sentences
 *    spread over the sections plus neutral filler, 6 to 40 pages a paper (by id), so the figure
 *    measures what the excerpt and the cap make of short and long papers. Tokens are counted
 *    as the fake counts them (UTF-8 bytes / 4, what `usage` reports) and as
 *    src/summarise/tokens.ts estimates them (what the cap is enforced on); the cap is
 *    SUDI_DEEP_MAX_TOKENS' default, 12,000.
 * 2. PDF text extraction time per page (pdf.js, pdfPages) over the same PDFs.
 * 3. /deep on a cached card, end to end through the command handler (parse, rate limit, store,
 *    cache lookup, rendering to the neutral message and to Telegram HTML): p50/p99 over 2,000
 *    requests. Target: p99 < 100 ms.
 */
import { performance } from "node:perf_hooks";
import { toTelegramHtml } from "../bots/telegram/render.ts";
import { pdfPages } from "../src/arxiv/fulltext-pdf.ts";
import type { Paper } from "../src/store/paper.ts";
import { estimateChatTokens } from "../src/summarise/tokens.ts";
import { setup, paper as storedPaper } from "../test/commands-setup.ts";
import { startFakeArxiv } from "../test/fakes/arxiv.ts";
import { fakeTokens, startFakeOpenAI } from "../test/fakes/openai.ts";
import { type PaperText, paperPdf } from "../test/helpers/fulltext.ts";
import { fixturePapers } from "../test/summarise-fixtures.ts";

const CAP = 12_000;
const CACHED_RUNS = 2_000;
const HEADS = ["Introduction", "Related Work", "Method", "Experiments", "Analysis", "Conclusion"];
const FILLER = [
  "We describe the setting in detail and repeat the analysis for every configuration considered, so that each step can be followed.",
  "The comparison uses the same data, the same budget and the same evaluation protocol for every method.",
  "Further details of the implementation and of the hyper-parameters are given in the corresponding subsection.",
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A fixture paper as a full paper: its abstract spread over the sections, plus filler. */
function asFullPaper(p: Paper): PaperText {
  const pages = 6 + (hash(p.id) % 35);
  const sentences = p.abstract.match(/[^.!?]+[.!?]+/g) ?? [p.abstract];
  // ~50 lines of ~90 characters a page, over the sections
  const charsPerSection = Math.round((pages * 50 * 90) / (HEADS.length + 1));
  const sections: [string, string[]][] = HEADS.map((head, i) => {
    const paras: string[] = [];
    let length = 0;
    let k = 0;
    while (length < charsPerSection) {
      const own = sentences[(i + k) % sentences.length] ?? "";
      const para = `${own.trim()} ${FILLER[k % FILLER.length]} ${FILLER[(k + 1) % FILLER.length]}`;
      paras.push(para);
      length += para.length;
      k++;
    }
    return [head, paras];
  });
  sections.push(["References", ["[1] A. Author. A cited paper. 2021."]]);
  return {
    title: p.title,
    authors: p.authors.slice(0, 6).map((a, i) => ({
      name: a.name,
      affiliation: i % 2 === 0 ? "University of Somewhere" : "Institute of Elsewhere",
    })),
    abstract: p.abstract,
    sections,
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);

async function main() {
  const [arxiv, llm] = await Promise.all([startFakeArxiv(), startFakeOpenAI()]);
  try {
    const fixtures = fixturePapers();
    const s = setup({
      arxivApiUrl: arxiv.apiUrl,
      openaiUrl: llm.url,
      arxivHtmlUrl: arxiv.htmlUrl,
      arxivPdfUrl: arxiv.pdfUrl,
      limits: { deepPerUserDay: 10_000, deepPerGroupDay: 10_000, paperPerWindow: 1_000_000 },
    });

    // 1 and 2: every fixture as a PDF, through the real path
    const perPageMs: number[] = [];
    let totalPages = 0;
    let totalMs = 0;
    const fakeCounted: number[] = [];
    const estimated: number[] = [];
    let cut = 0;
    for (const p of fixtures) {
      const pdf = await paperPdf(asFullPaper(p));
      const t0 = performance.now();
      const pages = await pdfPages(pdf);
      const ms = performance.now() - t0;
      perPageMs.push(ms / pages.length);
      totalPages += pages.length;
      totalMs += ms;
      s.papers.upsert(storedPaper(p.id, { title: p.title, abstract: p.abstract, version: 1 }));
      arxiv.setDocument("pdf", `${p.id}v1`, pdf);
      llm.reset();
      const outcome = await s.deep.deepCard(s.papers.get(p.id) as Paper);
      if (outcome.kind !== "card") throw new Error(`no deep card for ${p.id}: ${outcome.reason}`);
      const request = llm.requests.find(
        (r) => r.response_format?.json_schema?.name === "deep_card",
      );
      if (!request) throw new Error(`no deep request for ${p.id}`);
      fakeCounted.push(fakeTokens(request.messages.map((m) => m.content).join("\n")));
      estimated.push(estimateChatTokens(request.messages));
      if (outcome.card.excerpt.cut.length > 0) cut++;
    }
    const f = sortNum(fakeCounted);
    const e = sortNum(estimated);
    console.log(
      `deep-read prompt tokens over ${fixtures.length} fixture papers as PDFs (cap ${CAP}):`,
    );
    console.log(
      `  as usage reports them (fake, bytes/4): median ${quantile(f, 0.5)}, p90 ${quantile(f, 0.9)}, max ${f.at(-1)}`,
    );
    console.log(
      `  as the cap estimates them:             median ${quantile(e, 0.5)}, p90 ${quantile(e, 0.9)}, max ${e.at(-1)} (over cap: ${e.filter((t) => t > CAP).length})`,
    );
    console.log(`  papers cut to the cap: ${cut} of ${fixtures.length}`);
    const pp = sortNum(perPageMs);
    console.log(
      `PDF text extraction (pdf.js): ${totalPages} pages, ${(totalMs / totalPages).toFixed(2)} ms/page overall, median ${quantile(pp, 0.5).toFixed(2)} ms/page, p90 ${quantile(pp, 0.9).toFixed(2)} ms/page`,
    );

    // 3: /deep on a cached card, end to end through the command handler
    const id = fixtures[0]?.id ?? "";
    const first = await s.send(`/deep ${id}`);
    if (!first[0]) throw new Error("no reply");
    const calls = llm.requests.length;
    const times: number[] = [];
    for (let i = 0; i < CACHED_RUNS; i++) {
      const t0 = performance.now();
      const replies = await s.send(`/deep ${id}`, { userId: String(i % 50) });
      const html = replies.map(toTelegramHtml).join("");
      times.push(performance.now() - t0);
      if (!html.includes("深读")) throw new Error("not a deep card");
    }
    if (llm.requests.length !== calls) throw new Error("a cached /deep called the LLM");
    const t = sortNum(times);
    console.log(
      `/deep on a cached card, ${CACHED_RUNS} requests through the command handler: p50 ${quantile(t, 0.5).toFixed(2)} ms, p99 ${quantile(t, 0.99).toFixed(2)} ms, max ${t.at(-1)?.toFixed(2)} ms (target p99 < 100 ms), LLM calls 0`,
    );
  } finally {
    await Promise.all([arxiv.close(), llm.close()]);
  }
}

await main();
