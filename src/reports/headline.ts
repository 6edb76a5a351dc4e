/**
 * The seed's headline, 【单位 提出 方法名：一句话】, and the 2–3 sentences under it, built from
 * what we know: the affiliation when arXiv or the deep-read card names one, else the first
 * author's family name ("Li 等"). An institution is never guessed.
 */

import { R } from "../core/texts/reports.ts";
import type { Card } from "../store/card.ts";
import type { Paper } from "../store/paper.ts";

const MAX_UNITS = 2;
const MAX_UNIT_LENGTH = 40;

/** A name for the method: the part of the title before a colon, when it is one short name. */
export function methodName(card: Pick<Card, "title_en" | "title_zh">): string | null {
  for (const [title, sep] of [
    [card.title_en, ":"],
    [card.title_zh, "："],
  ] as const) {
    const at = title.indexOf(sep);
    if (at <= 0) continue;
    const head = title.slice(0, at).trim();
    // "DiffFit", "MultiBooth", "LLaMA-Adapter V2": short, no sentence inside
    if (head.length <= 30 && head.split(/\s+/).length <= 3 && /[A-Za-z0-9]/.test(head)) return head;
  }
  return null;
}

/** Family name of an author as arXiv lists it ("Xiaoyu Li" → "Li"; "Li, X." → "Li"). */
export function familyName(name: string): string {
  const clean = name.replace(/\s+/g, " ").trim();
  if (clean.includes(",")) return (clean.split(",")[0] ?? clean).trim();
  const words = clean.split(" ").filter((w) => !/^(jr\.?|sr\.?|ii|iii|iv)$/i.test(w));
  return words.at(-1) ?? clean;
}

/** Who proposes the paper: known affiliations (at most two), else "Family 等". */
export function unitOf(
  paper: Pick<Paper, "authors">,
  card: Pick<Card, "affiliations">,
  known?: readonly string[],
): string {
  const affiliations = [
    ...(known ?? []),
    ...card.affiliations,
    ...paper.authors.flatMap((a) => a.affiliations ?? []),
  ]
    .map((a) => a.replace(/\s+/g, " ").trim())
    .filter((a) => a.length > 0 && a.length <= MAX_UNIT_LENGTH);
  const units = [...new Set(affiliations)].slice(0, MAX_UNITS);
  if (units.length > 0) return units.join("、");
  const first = paper.authors[0]?.name;
  return first ? R.etAl(familyName(first)) : "";
}

const stripEnd = (s: string) => s.trim().replace(/[。．.！!？?；;，,]+$/u, "");

export function headlineOf(paper: Paper, card: Card, known?: readonly string[]): string {
  const unit = unitOf(paper, card, known) || card.authors;
  const tldr = stripEnd(card.tldr) || card.title_zh;
  return R.headline(unit, methodName(card), tldr);
}

/** 2–3 sentences from the card (方法, 效果, and 动机 when short); none on a fallback card. */
export function sentencesOf(card: Card): string[] {
  if (card.fallback) return [];
  const out = [card.method, card.results, card.motivation]
    .map(stripEnd)
    .filter((s) => s.length > 0)
    .map((s) => `${s}。`);
  const total = (out[0]?.length ?? 0) + (out[1]?.length ?? 0);
  return out.slice(0, total > 160 ? 2 : 3);
}
