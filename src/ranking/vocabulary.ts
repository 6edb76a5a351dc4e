/**
 * Consecutive numbers ("words") for the buckets of the vectors a Ranker holds in memory: a
 * few tens of thousands of the 2^18 buckets on a digest day. Scoring a chat's papers and
 * finding the liked paper each resembles spread a model or a paper into a dense array over
 * the words, which stays in cache, instead of one over all 2^18 buckets, where nearly every
 * look-up missed it. A held vector carries its words, computed once when it is loaded and
 * shared by every chat of the day; a model trained on held vectors knows its words too.
 */
import { BUCKETS, type HeldVector, type SparseVector } from "./tfidf.ts";

/** Weights to score with, each under its word. */
export interface WordWeights {
  words: Uint32Array;
  weights: Float32Array;
  bias: number;
}

export class Vocabulary {
  /** each bucket's word + 1 (0: none yet) */
  private readonly wordOf = new Int32Array(BUCKETS);
  /** one value per word, all zero between calls */
  private dense = new Float64Array(1 << 14);
  size = 0;

  /** Moves on with every clear(): words of an older generation mean nothing. */
  generation = 0;

  /** The words of buckets; new buckets become new words. */
  words(buckets: Uint32Array): Uint32Array {
    const words = new Uint32Array(buckets.length);
    for (let k = 0; k < buckets.length; k++) {
      const bucket = buckets[k] as number;
      let word = this.wordOf[bucket] as number;
      if (word === 0) {
        word = ++this.size;
        this.wordOf[bucket] = word;
      }
      words[k] = word - 1;
    }
    if (this.dense.length < this.size) {
      this.dense = new Float64Array(2 ** Math.ceil(Math.log2(this.size)));
    }
    return words;
  }

  /** The vector with its words. */
  hold(x: SparseVector): HeldVector {
    return { ids: x.ids, values: x.values, words: this.words(x.ids) };
  }

  /** Forgets every word: the held vectors and word weights must be dropped with it. */
  clear(): void {
    this.wordOf.fill(0);
    this.size = 0;
    this.generation++;
  }

  /**
   * The model's scores of the vectors (a logit each; the bias alone for a missing vector):
   * its weights are spread over the words once, and each vector costs its own 64 look-ups.
   * Same sums as score(), term by term.
   */
  scores(model: WordWeights, xs: readonly (HeldVector | undefined)[]): Float64Array {
    const dense = this.dense;
    const { words: spread, weights } = model;
    for (let i = 0; i < spread.length; i++) dense[spread[i] as number] = weights[i] as number;
    const out = new Float64Array(xs.length);
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j];
      let z = model.bias;
      if (x) {
        const { words, values } = x;
        for (let k = 0; k < words.length; k++) {
          const w = dense[words[k] as number] as number;
          if (w !== 0) z += w * (values[k] as number);
        }
      }
      out[j] = z;
    }
    for (let i = 0; i < spread.length; i++) dense[spread[i] as number] = 0;
    return out;
  }

  /**
   * For each query, the liked paper of highest cosine above `min` (the first one on a tie),
   * never the paper itself; undefined when none is that close. Each sum runs over the liked
   * paper's buckets in ascending order, adding exactly what cosine() adds for the shared ones
   * and zero for the others, so the figures are cosine()'s.
   */
  nearest(
    liked: readonly { paperId: string; x: HeldVector }[],
    queries: readonly { paperId: string; x: HeldVector }[],
    min: number,
  ): (string | undefined)[] {
    const dense = this.dense;
    return queries.map((q) => {
      const { words, values } = q.x;
      for (let k = 0; k < words.length; k++) dense[words[k] as number] = values[k] as number;
      let best = min;
      let nearest: string | undefined;
      for (const l of liked) {
        if (l.paperId === q.paperId) continue;
        const lw = l.x.words;
        const lv = l.x.values;
        let sum = 0;
        for (let k = 0; k < lw.length; k++) {
          sum += (lv[k] as number) * (dense[lw[k] as number] as number);
        }
        if (sum > best) {
          best = sum;
          nearest = l.paperId;
        }
      }
      for (let k = 0; k < words.length; k++) dense[words[k] as number] = 0;
      return nearest;
    });
  }
}
