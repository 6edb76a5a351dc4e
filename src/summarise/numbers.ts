/**
 * The deep-read card's rule for figures: every number in 实验效果 must occur in the source text,
 * compared by value, so "2x", "2×", "2 倍" and "2-fold" are one number,
 * "12,000" is "12k", and "3.0" is "3". A sentence whose number the source does not have is
 * removed, not corrected: an invented figure is worse than a missing one.
 */

/** A number as it is written in a text, with its value. */
export interface NumberMention {
  raw: string;
  value: number;
}

// digits with thousands separators or decimals, an optional k/M/B scale, %, x, ×, 倍
const NUMBER =
  /(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(k|K|M|B|万|亿)?\s?(?:x|×|%|倍|-fold)?(?![A-Za-z0-9])/g;

const SCALE: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, B: 1e9, 万: 1e4, 亿: 1e8 };

/** Every number in `text`, with its plain value and, when scaled, its scaled value too. */
export function numbersIn(text: string): NumberMention[] {
  const out: NumberMention[] = [];
  // LaTeX and markup spacing: "3.02\%", "$2\times$"
  const plain = text
    .replace(/\\%/g, "%")
    .replace(/\\times/g, "×")
    .replace(/[{}$]/g, " ");
  for (const m of plain.matchAll(NUMBER)) {
    const digits = (m[1] ?? "").replace(/,/g, "");
    const value = Number(digits);
    if (!Number.isFinite(value)) continue;
    out.push({ raw: m[0], value });
    const scale = m[2] ? SCALE[m[2]] : undefined;
    if (scale) out.push({ raw: m[0], value: value * scale });
  }
  return out;
}

const key = (v: number) => Number(v.toPrecision(10));

/** The set of values the source text mentions (plain and scaled). */
export function sourceNumbers(source: string): Set<number> {
  return new Set(numbersIn(source).map((n) => key(n.value)));
}

/** Whether every number in `sentence` occurs in `known`; small counting words are exempt. */
function supported(sentence: string, known: Set<number>): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  const mentions = numbersIn(sentence);
  // a scaled mention counts as one number: supported when either of its values is known
  const byRaw = new Map<string, number[]>();
  for (const m of mentions) byRaw.set(m.raw, [...(byRaw.get(m.raw) ?? []), m.value]);
  for (const [raw, values] of byRaw) {
    if (values.some((v) => known.has(key(v)))) continue;
    // one to ten as counting words ("3 个数据集") are too common to count as claims, and a
    // model writes them in Chinese numerals anyway; a year or section number is not a result
    if (values.every((v) => Number.isInteger(v) && v >= 0 && v <= 10)) continue;
    missing.push(raw.trim());
  }
  return { ok: missing.length === 0, missing };
}

/** Splits Chinese or English prose into sentences, keeping their end marks. */
export function sentences(text: string): string[] {
  return text.match(/[^。！？；;!?]+[。！？；;!?]?/g)?.map((s) => s) ?? [];
}

export interface NumberCheck {
  text: string;
  /** the numbers that were removed with their sentence */
  removed: string[];
}

/** Removes the sentences of `text` whose numbers the source does not contain. */
export function keepSupportedNumbers(text: string, known: Set<number>): NumberCheck {
  const removed: string[] = [];
  const kept = sentences(text).filter((s) => {
    const check = supported(s, known);
    removed.push(...check.missing);
    return check.ok;
  });
  return { text: kept.join("").trim(), removed };
}

/** Keeps the list items whose numbers the source contains. */
export function keepSupportedItems(
  items: string[],
  known: Set<number>,
): { items: string[]; removed: string[] } {
  const removed: string[] = [];
  const kept = items.filter((item) => {
    const check = supported(item, known);
    removed.push(...check.missing);
    return check.ok;
  });
  return { items: kept, removed };
}
