/**
 * A per-chat linear model over tf-idf vectors: L2-regularised logistic regression trained by a
 * few epochs of SGD on the chat's labelled papers (👍 / ⭐ positive, 👎 negative, unvoted
 * papers of the same digests as weak negatives with a smaller weight), as arxiv-sanity-lite
 * trains a linear SVM per user. Weights live in one shared scratch array while training; the
 * model keeps only its strongest weights.
 */
import { BUCKETS, type HeldVector } from "./tfidf.ts";

export interface Example {
  x: HeldVector;
  /** 1 or 0 */
  y: 0 | 1;
  /** how much it counts: 1 for a vote, less for a weak negative */
  weight: number;
}

export interface LinearModel {
  ids: Uint32Array;
  weights: Float32Array;
  bias: number;
}

/** A model just trained, with the vocabulary word of each weight's bucket. */
export interface TrainedModel extends LinearModel {
  words: Uint32Array;
}

/** Weights a stored model keeps (the strongest by magnitude). */
export const MODEL_WEIGHTS = 1000;
const EPOCHS = 6;
const LEARNING_RATE = 2;
const L2 = 1e-3;

/**
 * Scratch space of training, kept between runs (a day trains thousands of chats; fresh typed
 * arrays for each would cost more than the arithmetic): per word of the vocabulary the run
 * that last saw it and its slot (arrays as long as the vocabulary, tens of thousands, unlike
 * 2^18 buckets, stay in cache), per term of all examples its slot and value, per slot its
 * bucket, word and weight, per example its label and weight.
 */
class Scratch {
  seen = new Uint32Array(1 << 14);
  slotOf = new Uint32Array(1 << 14);
  run = 0;
  termSlots = new Uint32Array(1 << 12);
  termValues = new Float64Array(1 << 12);
  buckets = new Uint32Array(1 << 12);
  words = new Uint32Array(1 << 12);
  w = new Float64Array(1 << 12);
  magnitudes = new Float64Array(1 << 12);
  starts = new Uint32Array(256);
  factors = new Float64Array(256);
  ys = new Float64Array(256);

  /** Makes room for `terms` terms, `examples` examples and words below `words`. */
  fit(terms: number, examples: number, words: number): void {
    if (this.termSlots.length < terms) {
      const size = 2 ** Math.ceil(Math.log2(terms));
      this.termSlots = new Uint32Array(size);
      this.termValues = new Float64Array(size);
      this.buckets = new Uint32Array(size);
      this.words = new Uint32Array(size);
      this.w = new Float64Array(size);
      this.magnitudes = new Float64Array(size);
    }
    if (this.seen.length < words) {
      const size = 2 ** Math.ceil(Math.log2(words));
      this.seen = new Uint32Array(size);
      this.slotOf = new Uint32Array(size);
      this.run = 0;
    }
    this.run = (this.run + 1) >>> 0 || 1;
    if (this.run === 1) this.seen.fill(0);
    if (this.starts.length < examples + 1) {
      const size = 2 ** Math.ceil(Math.log2(examples + 1));
      this.starts = new Uint32Array(size);
      this.factors = new Float64Array(size);
      this.ys = new Float64Array(size);
    }
  }
}
const scratch = new Scratch();

/** A fixed shuffle of 0..n-1 (an LCG), so training is deterministic but not in label order. */
function order(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let seed = 12_345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}
const orders = new Map<number, Uint32Array>();

/**
 * Trains on the examples by stochastic gradient descent with a decaying step and weight decay
 * once an epoch; deterministic, about 0.1 ms for 60 examples. Every example's terms are first
 * laid out in flat arrays (slot, value), so the epochs run over contiguous memory.
 */
export function train(examples: readonly Example[]): TrainedModel {
  const m = examples.length;
  let size = 0;
  let words = 0;
  for (let e = 0; e < m; e++) {
    const xw = (examples[e] as Example).x.words;
    size += xw.length;
    for (let k = 0; k < xw.length; k++) words = Math.max(words, (xw[k] as number) + 1);
  }
  scratch.fit(size, m, words);
  const { seen, slotOf, run, termSlots, termValues, buckets, w, starts, factors, ys } = scratch;
  // Balance the classes: a chat with 5 likes and 60 weak negatives still learns the likes.
  let pos = 0;
  let neg = 0;
  for (let e = 0; e < m; e++) {
    const ex = examples[e] as Example;
    if (ex.y === 1) pos += ex.weight;
    else neg += ex.weight;
  }
  const posScale = (pos + neg) / (2 * Math.max(pos, 1e-9));
  const negScale = (pos + neg) / (2 * Math.max(neg, 1e-9));
  // every example's terms as slots (the words in order of first appearance) and values
  let at = 0;
  let n = 0;
  starts[0] = 0;
  for (let e = 0; e < m; e++) {
    const ex = examples[e] as Example;
    ys[e] = ex.y;
    factors[e] = ex.weight * (ex.y === 1 ? posScale : negScale);
    const { ids, values, words: xw } = ex.x;
    for (let k = 0; k < ids.length; k++) {
      const word = xw[k] as number;
      if (seen[word] !== run) {
        seen[word] = run;
        slotOf[word] = n;
        w[n] = 0;
        buckets[n] = ids[k] as number;
        scratch.words[n++] = word;
      }
      termSlots[at] = slotOf[word] as number;
      termValues[at++] = values[k] as number;
    }
    starts[e + 1] = at;
  }
  let sequence = orders.get(m);
  if (!sequence) {
    sequence = order(m);
    if (orders.size > 1000) orders.clear();
    orders.set(m, sequence);
  }
  let bias = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const rate = LEARNING_RATE / (1 + epoch);
    for (let q = 0; q < m; q++) {
      const e = sequence[q] as number;
      const first = starts[e] as number;
      const end = starts[e + 1] as number;
      let z = bias;
      for (let k = first; k < end; k++) {
        z += (w[termSlots[k] as number] as number) * (termValues[k] as number);
      }
      const p = 1 / (1 + Math.exp(-z));
      const step = rate * (p - (ys[e] as number)) * (factors[e] as number);
      for (let k = first; k < end; k++) {
        const i = termSlots[k] as number;
        w[i] = (w[i] as number) - step * (termValues[k] as number);
      }
      bias -= step * 0.1;
    }
    const decay = 1 - rate * L2;
    for (let i = 0; i < n; i++) w[i] = (w[i] as number) * decay;
  }
  return strongest(n, bias);
}

/**
 * The model of the MODEL_WEIGHTS strongest weights of the last run, ids ascending (plain
 * loops: this runs once per chat).
 */
function strongest(n: number, bias: number): TrainedModel {
  const { buckets, words, w, magnitudes } = scratch;
  let floor = 0;
  if (n > MODEL_WEIGHTS) {
    for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(w[i] as number);
    floor = nthSmallest(magnitudes.subarray(0, n), n - MODEL_WEIGHTS);
  }
  const kept = new Uint32Array(Math.min(n, MODEL_WEIGHTS));
  let k = 0;
  for (let i = 0; i < n && k < kept.length; i++) {
    if (Math.abs(w[i] as number) >= floor) kept[k++] = i;
  }
  const order = byBucket(kept.subarray(0, k), buckets);
  const ids = new Uint32Array(k);
  const keptWords = new Uint32Array(k);
  const weights = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    const slot = order[i] as number;
    ids[i] = buckets[slot] as number;
    keptWords[i] = words[slot] as number;
    weights[i] = w[slot] as number;
  }
  return { ids, weights, bias, words: keptWords };
}

const RADIX_BITS = 9;
const RADIX = 1 << RADIX_BITS;
const radixCounts = new Uint32Array(RADIX + 1);

/**
 * The slots ordered by their bucket: a least-significant-digit radix sort, two passes of 9
 * bits over the 18-bit buckets (linear, where a comparison sort of 1,000 numbers took longer
 * than the training's arithmetic). Reuses `slots` as its second buffer.
 */
function byBucket(slots: Uint32Array, buckets: Uint32Array): Uint32Array {
  let from: Uint32Array = slots;
  let to: Uint32Array = new Uint32Array(slots.length);
  for (let shift = 0; 1 << shift < BUCKETS; shift += RADIX_BITS) {
    radixCounts.fill(0);
    for (let i = 0; i < from.length; i++) {
      const digit = ((buckets[from[i] as number] as number) >>> shift) & (RADIX - 1);
      radixCounts[digit + 1] = (radixCounts[digit + 1] as number) + 1;
    }
    for (let d = 1; d <= RADIX; d++) {
      radixCounts[d] = (radixCounts[d] as number) + (radixCounts[d - 1] as number);
    }
    for (let i = 0; i < from.length; i++) {
      const slot = from[i] as number;
      const digit = ((buckets[slot] as number) >>> shift) & (RADIX - 1);
      const at = radixCounts[digit] as number;
      radixCounts[digit] = at + 1;
      to[at] = slot;
    }
    const t = from;
    from = to;
    to = t;
  }
  return from;
}

/**
 * The k-th smallest value (0-based) of a, as a full sort would put at a[k], in linear time
 * (Hoare's quickselect; reorders a). Training needs one threshold, not a sorted list.
 */
export function nthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}
