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

// Shared scratch space: the weights of the model being trained, and which buckets it touched
// (marked with the number of the training run, so nothing needs clearing between runs).
const w = new Float64Array(BUCKETS);
const mark = new Uint32Array(BUCKETS);
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
  const collected = new Uint32Array(size);
  let n = 0;
  for (const e of examples) {
    for (const id of e.x.ids) {
      if (mark[id] === run) continue;
      mark[id] = run;
      collected[n++] = id;
    }
  }
  const touched = collected.subarray(0, n);
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
    for (let at = 0; at < sequence.length; at++) {
      const e = examples[sequence[at] as number] as Example;
      const { ids, values } = e.x;
      let z = bias;
      for (let k = 0; k < ids.length; k++)
        z += (w[ids[k] as number] as number) * (values[k] as number);
      const step = rate * (sigmoid(z) - e.y) * e.weight * (e.y === 1 ? posScale : negScale);
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k] as number;
        w[id] = (w[id] as number) - step * (values[k] as number);
      }
      bias -= step * 0.1;
    }
    const decay = 1 - rate * L2;
    for (const id of touched) w[id] = (w[id] as number) * decay;
  }
  // Keep the MODEL_WEIGHTS strongest weights (plain loops: this runs once per chat).
  let floor = 0;
  if (n > MODEL_WEIGHTS) {
    const magnitudes = new Float64Array(n);
    for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(w[touched[i] as number] as number);
    magnitudes.sort();
    floor = magnitudes[n - MODEL_WEIGHTS] as number;
  }
  const ids = new Uint32Array(Math.min(n, MODEL_WEIGHTS));
  let k = 0;
  for (let i = 0; i < n && k < ids.length; i++) {
    const id = touched[i] as number;
    if (Math.abs(w[id] as number) >= floor) ids[k++] = id;
  }
  const kept = ids.subarray(0, k).sort();
  const weights = new Float32Array(k);
  for (let i = 0; i < k; i++) weights[i] = w[kept[i] as number] as number;
  const model: LinearModel = { ids: kept, weights, bias };
  for (let i = 0; i < n; i++) w[touched[i] as number] = 0;
  return model;
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
