/**
 * A per-chat linear model over tf-idf vectors: L2-regularised logistic regression trained by a
 * few epochs of SGD on the chat's labelled papers (👍 / ⭐ positive, 👎 negative, unvoted
 * papers of the same digests as weak negatives with a smaller weight), as arxiv-sanity-lite
 * trains a linear SVM per user. Weights live in one shared scratch array while training; the
 * model keeps only its strongest weights.
 */
import { BUCKETS, type SparseVector } from "./tfidf.ts";

export interface Example {
  x: SparseVector;
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

/** Weights a stored model keeps (the strongest by magnitude). */
export const MODEL_WEIGHTS = 1000;
const EPOCHS = 6;
const LEARNING_RATE = 2;
const L2 = 1e-3;

// Shared scratch space: which buckets the model being trained touched (marked with the number
// of the training run, so nothing needs clearing between runs) and their slot in its compact
// weights. Training then works on those few thousand slots, which stay in cache, instead of
// jumping around a 2^18 array.
const mark = new Uint32Array(BUCKETS);
const slot = new Uint32Array(BUCKETS);
let run = 0;

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** A fixed shuffle of 0..n-1 (an LCG), so training is deterministic but not in label order. */
function order(n: number): Uint32Array {
  const out = Uint32Array.from({ length: n }, (_, i) => i);
  let seed = 12_345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    const t = out[i] ?? 0;
    out[i] = out[j] ?? 0;
    out[j] = t;
  }
  return out;
}

/**
 * Trains on the examples by stochastic gradient descent with a decaying step and weight decay
 * once an epoch; deterministic, well under a millisecond for 100 examples.
 */
export function train(examples: readonly Example[]): LinearModel {
  run = (run + 1) >>> 0 || 1;
  let size = 0;
  for (const e of examples) size += e.x.ids.length;
  // every example's terms as slots: the buckets in order of first appearance
  const collected = new Uint32Array(size);
  const slots = new Uint32Array(size);
  const starts = new Uint32Array(examples.length + 1);
  let n = 0;
  let at = 0;
  for (let e = 0; e < examples.length; e++) {
    const ids = (examples[e] as Example).x.ids;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as number;
      if (mark[id] !== run) {
        mark[id] = run;
        slot[id] = n;
        collected[n++] = id;
      }
      slots[at++] = slot[id] as number;
    }
    starts[e + 1] = at;
  }
  const touched = collected.subarray(0, n);
  const w = new Float64Array(n);
  let bias = 0;
  // Balance the classes: a chat with 5 likes and 60 weak negatives still learns the likes.
  let pos = 0;
  let neg = 0;
  for (const e of examples) {
    if (e.y === 1) pos += e.weight;
    else neg += e.weight;
  }
  const posScale = (pos + neg) / (2 * Math.max(pos, 1e-9));
  const negScale = (pos + neg) / (2 * Math.max(neg, 1e-9));
  const sequence = order(examples.length);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const rate = LEARNING_RATE / (1 + epoch);
    for (let q = 0; q < sequence.length; q++) {
      const index = sequence[q] as number;
      const e = examples[index] as Example;
      const values = e.x.values;
      const first = starts[index] as number;
      const count = (starts[index + 1] as number) - first;
      let z = bias;
      for (let k = 0; k < count; k++)
        z += (w[slots[first + k] as number] as number) * (values[k] as number);
      const step = rate * (sigmoid(z) - e.y) * e.weight * (e.y === 1 ? posScale : negScale);
      for (let k = 0; k < count; k++) {
        const i = slots[first + k] as number;
        w[i] = (w[i] as number) - step * (values[k] as number);
      }
      bias -= step * 0.1;
    }
    const decay = 1 - rate * L2;
    for (let i = 0; i < n; i++) w[i] = (w[i] as number) * decay;
  }
  // Keep the MODEL_WEIGHTS strongest weights (plain loops: this runs once per chat).
  let floor = 0;
  if (n > MODEL_WEIGHTS) {
    const magnitudes = new Float64Array(n);
    for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(w[i] as number);
    floor = nthSmallest(magnitudes, n - MODEL_WEIGHTS);
  }
  const ids = new Uint32Array(Math.min(n, MODEL_WEIGHTS));
  let k = 0;
  for (let i = 0; i < n && k < ids.length; i++) {
    if (Math.abs(w[i] as number) >= floor) ids[k++] = touched[i] as number;
  }
  const kept = ids.subarray(0, k).sort();
  const weights = new Float32Array(k);
  for (let i = 0; i < k; i++) weights[i] = w[slot[kept[i] as number] as number] as number;
  return { ids: kept, weights, bias };
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

/** Dense weights of one model at a time (zero elsewhere), for scoring many vectors. */
const dense = new Float64Array(BUCKETS);

/**
 * The model's scores of many vectors: its weights are spread into a dense array once, so each
 * vector costs its own 64 look-ups instead of a merge with the model's 1,000 weights. Same sums
 * as score(), term by term.
 */
export function scoreMany(
  model: LinearModel,
  xs: readonly (SparseVector | undefined)[],
): Float64Array {
  const { ids, weights } = model;
  for (let i = 0; i < ids.length; i++) dense[ids[i] as number] = weights[i] as number;
  const out = new Float64Array(xs.length);
  for (let n = 0; n < xs.length; n++) {
    const x = xs[n];
    let z = model.bias;
    if (x) {
      const xi = x.ids;
      const xv = x.values;
      for (let k = 0; k < xi.length; k++) {
        const d = dense[xi[k] as number] as number;
        if (d !== 0) z += d * (xv[k] as number);
      }
    }
    out[n] = z;
  }
  for (let i = 0; i < ids.length; i++) dense[ids[i] as number] = 0;
  return out;
}

/** The model's score of a vector (a logit: higher is more liked). */
export function score(model: LinearModel, x: SparseVector): number {
  let i = 0;
  let j = 0;
  let z = model.bias;
  while (i < model.ids.length && j < x.ids.length) {
    const a = model.ids[i] ?? 0;
    const b = x.ids[j] ?? 0;
    if (a === b) z += (model.weights[i++] ?? 0) * (x.values[j++] ?? 0);
    else if (a < b) i++;
    else j++;
  }
  return z;
}
