/**
 * Chooses what of a paper's full text goes into a prompt, so a 60-page paper fits the token
 * cap: sections are ranked by what a deep read needs (abstract, introduction, method,
 * experiments, conclusion), each kind gets a share of the budget, unused shares flow to the
 * next kinds, and a section that does not fit is cut at a sentence. References, appendices
 * and acknowledgements never go in. The excerpt keeps the paper's own order and headings, so
 * the LLM (and /ask's quotes) can name the section it used.
 */
import type { FullTextSection } from "../arxiv/fulltext.ts";
import { estimateTokens } from "./tokens.ts";

export type SectionKind =
  | "abstract"
  | "introduction"
  | "method"
  | "experiments"
  | "conclusion"
  | "related"
  | "other"
  | "skip";

const KIND_PATTERNS: [SectionKind, RegExp][] = [
  [
    "skip",
    /reference|bibliograph|acknowledg|appendix|supplementar|checklist|broader impact|ethics statement|author contribution/i,
  ],
  ["abstract", /^abstract$/i],
  ["introduction", /introduc|overview|motivation/i],
  ["conclusion", /conclu|discussion|limitation|future work|summary/i],
  [
    "experiments",
    /experiment|evaluat|result|benchmark|ablation|analys|empirical|comparison|performance|setup/i,
  ],
  ["related", /related|background|preliminar|prior work|literature/i],
  [
    "method",
    /method|approach|model|framework|architecture|design|algorithm|propos|formulat|training|system|pipeline|our /i,
  ],
];

export function sectionKind(title: string): SectionKind {
  for (const [kind, pattern] of KIND_PATTERNS) if (pattern.test(title)) return kind;
  return "other";
}

/** Share of the budget each kind may take in the first pass; leftovers flow on in this order. */
const SHARES: [SectionKind, number][] = [
  ["abstract", 0.08],
  ["introduction", 0.17],
  ["method", 0.3],
  ["experiments", 0.3],
  ["conclusion", 0.08],
  ["other", 0.05],
  ["related", 0.02],
];

export interface Excerpt {
  /** the excerpt as prompt text: "## <title>\n<text>" blocks in the paper's order */
  text: string;
  tokens: number;
  /** titles of the sections included whole, cut, and left out */
  included: string[];
  cut: string[];
  omitted: string[];
}

/** The longest prefix of `text` within `tokens`, ending at a sentence end when one is near. */
export function cutToTokens(text: string, tokens: number): string {
  if (tokens <= 0) return "";
  if (estimateTokens(text) <= tokens) return text;
  // estimateTokens is monotone in the prefix length: binary search the cut point
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateTokens(text.slice(0, mid)) <= tokens) lo = mid;
    else hi = mid - 1;
  }
  const prefix = text.slice(0, lo);
  let sentenceEnd = -1;
  for (const m of prefix.matchAll(/[.!?](?=\s)|[。！？]/g)) sentenceEnd = m.index;
  return sentenceEnd > lo * 0.6 ? prefix.slice(0, sentenceEnd + 1) : prefix;
}

/** Picks sections of `sections` to fit `budgetTokens` (the excerpt's own tokens). */
export function chooseExcerpt(sections: FullTextSection[], budgetTokens: number): Excerpt {
  const items = sections.map((s, index) => ({
    ...s,
    index,
    kind: sectionKind(s.title),
    tokens: estimateTokens(s.text) + estimateTokens(s.title) + 2,
    granted: 0,
  }));
  const live = items.filter((i) => i.kind !== "skip");
  const byKind = (kind: SectionKind) => live.filter((i) => i.kind === kind);
  let left = budgetTokens;
  // First pass: each kind up to its share, its sections in paper order.
  for (const [kind, share] of SHARES) {
    let quota = Math.floor(budgetTokens * share);
    for (const item of byKind(kind)) {
      const grant = Math.min(item.tokens, quota, left);
      item.granted = grant;
      quota -= grant;
      left -= grant;
    }
  }
  // Second pass: what is left goes to the sections still cut, in priority order.
  for (const [kind] of SHARES) {
    for (const item of byKind(kind)) {
      const more = Math.min(item.tokens - item.granted, left);
      item.granted += more;
      left -= more;
    }
  }
  const blocks: string[] = [];
  const included: string[] = [];
  const cut: string[] = [];
  const omitted: string[] = [];
  for (const item of items) {
    const body =
      item.granted >= item.tokens ? item.text : cutToTokens(item.text, item.granted - 12);
    if (item.kind === "skip" || body.length < 40) {
      omitted.push(item.title);
      continue;
    }
    const isCut = body.length < item.text.length;
    (isCut ? cut : included).push(item.title);
    blocks.push(`## ${item.title}${isCut ? "（节选）" : ""}\n${body}`);
  }
  const text = blocks.join("\n\n");
  return { text, tokens: estimateTokens(text), included, cut, omitted };
}
