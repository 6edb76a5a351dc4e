/**
 * Rule-based topic matching: agreement with a human editor's chapters per chapter and overall,
 * on the fixtures the rules were developed against (test/fixtures/papers.json) and, separately,
 * on a held-out set nobody tuned the rules to (test/fixtures/heldout-papers.json); and the time
 * matchTopics() takes over 2,000 papers.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { editedPapers, measureAgreement } from "../src/topics/agreement.ts";
import { type MatchablePaper, matchTopics } from "../src/topics/match.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";

interface FixturePaper {
  id: string;
  title: string;
  abstract: string;
  primary_category: string;
  categories: string[];
  chapter?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const fixtures: FixturePaper[] = JSON.parse(
  readFileSync(join(here, "../test/fixtures/papers.json"), "utf8"),
);
const toPaper = (p: FixturePaper): MatchablePaper => ({
  title: p.title,
  abstract: p.abstract,
  categories: p.categories,
  primaryCategory: p.primary_category,
});

const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`.padStart(7);

/** Prints agreement with the editor, per chapter and overall. */
function printAgreement(label: string, document: unknown) {
  const edited = editedPapers(document);
  console.log(`agreement with the editor's chapter, ${label} (${edited.length} papers)`);
  console.log(`${"chapter".padEnd(20)} papers   top-1     any`);
  for (const row of measureAgreement(edited)) {
    const name = row.chapter === "overall" ? "overall" : row.chapter;
    // Chinese characters are two columns wide in a terminal.
    const width = [...name].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
    console.log(
      `${name}${" ".repeat(Math.max(1, 20 - width))}${String(row.papers).padStart(6)} ${percent(row.top1, row.papers)} ${percent(row.any, row.papers)}`,
    );
  }
}

printAgreement("test/fixtures/papers.json", fixtures);
console.log("");
printAgreement(
  "held out, test/fixtures/heldout-papers.json",
  JSON.parse(readFileSync(join(here, "../test/fixtures/heldout-papers.json"), "utf8")),
);

// 2,000 papers: the fixtures over and over, each copy with its abstract's sentences rotated so
// no two texts are the same.
const papers: MatchablePaper[] = [];
for (let i = 0; papers.length < 2000; i++) {
  const p = toPaper(fixtures[i % fixtures.length] as FixturePaper);
  const sentences = p.abstract.split(/(?<=\.) /);
  const k = Math.floor(i / fixtures.length) % sentences.length;
  papers.push({ ...p, abstract: [...sentences.slice(k), ...sentences.slice(0, k)].join(" ") });
}

const fresh = loadTaxonomy(join(here, "../data/topics.json"));
let start = performance.now();
matchTopics(papers[0] as MatchablePaper, fresh);
const compileMs = performance.now() - start;

const runs: number[] = [];
let matched = 0;
for (let run = 0; run < 6; run++) {
  start = performance.now();
  matched = 0;
  for (const paper of papers) matched += matchTopics(paper, fresh).length;
  runs.push(performance.now() - start);
}
const steady = runs.slice(1).sort((a, b) => a - b);
const median = steady[Math.floor(steady.length / 2)] ?? 0;
console.log(
  `\nmatchTopics over ${papers.length} papers: first run ${runs[0]?.toFixed(0)} ms, ` +
    `median of the next ${steady.length} ${median.toFixed(0)} ms ` +
    `(${((median * 1000) / papers.length).toFixed(0)} µs a paper); ` +
    `compiling the taxonomy ${compileMs.toFixed(1)} ms; ${(matched / papers.length).toFixed(1)} topics a paper`,
);
