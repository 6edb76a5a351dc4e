/**
 * Sparse tf-idf vectors over hashed terms. Terms go into 2^18 buckets by FNV-1a (no vocabulary
 * to store, grow or look up; collisions are rare enough not to matter for ranking), weights
 * are sublinear tf × smoothed idf, and vectors are L2-normalised, so a dot product is the
 * cosine similarity.
 */
import { terms } from "./text.ts";

export const BUCKETS = 1 << 18;
/** A paper keeps its strongest terms only: enough to rank, small enough to hold 150,000. */
export const TERMS_PER_DOC = 64;

/** A sparse vector: bucket ids (ascending) and their weights. */
export interface SparseVector {
  ids: Uint32Array;
  values: Float32Array;
}

/**
 * A vector held in memory, with the word numbers its buckets have in the holder's vocabulary
 * (same order as `ids`; see vocabulary.ts).
 */
export interface HeldVector extends SparseVector {
  words: Uint32Array;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The buckets of a text's terms with their counts (capped at 255). */
export function termCounts(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of terms(text)) {
    const b = fnv1a(t) % BUCKETS;
    counts.set(b, Math.min(255, (counts.get(b) ?? 0) + 1));
  }
  return counts;
}

/** Corpus statistics: how many documents, and in how many each bucket occurs. */
export class DocumentFrequencies {
  constructor(
    public docs = 0,
    readonly df: Int32Array = new Int32Array(BUCKETS),
  ) {}

  add(buckets: Iterable<number>): void {
    this.docs++;
    for (const b of buckets) this.df[b] = (this.df[b] ?? 0) + 1;
  }

  remove(buckets: Iterable<number>): void {
    this.docs = Math.max(0, this.docs - 1);
    for (const b of buckets) this.df[b] = Math.max(0, (this.df[b] ?? 0) - 1);
  }

  /** Smoothed idf, as scikit-learn's: ln((1 + n) / (1 + df)) + 1. */
  idf(bucket: number): number {
    return Math.log((1 + this.docs) / (1 + (this.df[bucket] ?? 0))) + 1;
  }
}

/** A stored document: its strongest buckets and their raw counts. */
export interface DocTerms {
  ids: Uint32Array;
  counts: Uint8Array;
}

/** Keeps a text's TERMS_PER_DOC strongest buckets (by tf-idf now), ids ascending. */
export function docTerms(counts: Map<number, number>, df: DocumentFrequencies): DocTerms {
  const scored = [...counts].map(([b, c]) => ({ b, c, w: (1 + Math.log(c)) * df.idf(b) }));
  scored.sort((x, y) => y.w - x.w);
  const kept = scored.slice(0, TERMS_PER_DOC).sort((x, y) => x.b - y.b);
  return { ids: Uint32Array.from(kept, (k) => k.b), counts: Uint8Array.from(kept, (k) => k.c) };
}

/** The L2-normalised tf-idf vector of stored terms under the current frequencies. */
export function vectorOf(doc: DocTerms, df: DocumentFrequencies): SparseVector {
  const values = new Float32Array(doc.ids.length);
  let norm = 0;
  for (let i = 0; i < doc.ids.length; i++) {
    const w = (1 + Math.log(doc.counts[i] ?? 1)) * df.idf(doc.ids[i] ?? 0);
    values[i] = w;
    norm += w * w;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) * scale;
  return { ids: doc.ids, values };
}

/** Cosine of two normalised vectors (ids ascending). */
export function cosine(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.ids.length && j < b.ids.length) {
    const x = a.ids[i] ?? 0;
    const y = b.ids[j] ?? 0;
    if (x === y) sum += (a.values[i++] ?? 0) * (b.values[j++] ?? 0);
    else if (x < y) i++;
    else j++;
  }
  return sum;
}
