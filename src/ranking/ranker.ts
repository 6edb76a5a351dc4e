/**
 * The learned ranking, per chat: tf-idf features of every paper (computed in-process, kept in
 * SQLite), a linear model trained once a chat has MIN_POSITIVES 👍/⭐, re-ordering within the
 * papers the chat already matched, and nearest neighbours for /similar. Nothing is downloaded.
 */

import type { FeatureStore, StoredDoc, StoredModel } from "../store/features.ts";
import type { Paper } from "../store/paper.ts";
import type { VoteStore } from "../store/votes.ts";
import { type Example, type LinearModel, train } from "./model.ts";
import {
  BUCKETS,
  DocumentFrequencies,
  docTerms,
  type HeldVector,
  termCounts,
  vectorOf,
} from "./tfidf.ts";
import { Vocabulary } from "./vocabulary.ts";

/** 👍 and ⭐ a chat needs before its digests are re-ordered by a model. */
export const MIN_POSITIVES = 5;
/** Unvoted papers of the same digests, used as weak negatives, per labelled paper. */
const WEAK_PER_LABEL = 2;
const WEAK_WEIGHT = 0.3;
/** Positives compared with a ranked paper to name the nearest one ("与你收藏的《…》相近"). */
const NEAREST_AMONG = 30;
/** Papers near the top whose reason is looked for. */
const NAMED_POSITIONS = 15;
/** How similar a liked paper must be to be named as the reason. */
const NEAREST_MIN = 0.12;
/** Chats whose model stays in memory (8 KB each); others are read back from the store. */
const MODELS_KEPT = 2_000;
/** Words (distinct buckets of the vectors in memory) past which the vocabulary starts over. */
const VOCABULARY_KEPT = 1 << 16;
/** Trained models written to the store in one transaction. */
const WRITE_BATCH = 256;

export interface RankedPaper {
  paper: Paper;
  /** the model's logit; 0 when the chat has no model */
  score: number;
  /** the liked paper this one is most like, when the model put it up */
  nearest?: string;
}

export interface RankerDeps {
  features: FeatureStore;
  votes: Pick<VoteStore, "labels" | "version" | "sameDigests">;
  papers: { getMany(ids: readonly string[]): Paper[] };
}

/** A chat's model with its liked papers (to name the nearest). */
export interface ChatModel {
  model: LinearModel;
  /** the vocabulary word of each weight, in the vocabulary's `generation` */
  words: Uint32Array;
  generation: number;
  liked: string[];
}

/**
 * In-memory inverted index of every stored vector, for /similar: for each bucket, the documents
 * that kept it and their weights (compressed columns). A query touches only the postings of
 * its own 64 buckets, which are a paper's most distinctive terms and so have short lists.
 */
interface SimilarIndex {
  ids: string[];
  /** postings of bucket b: offsets[b] .. offsets[b + 1] */
  offsets: Uint32Array;
  docs: Uint32Array;
  values: Float32Array;
}

export class Ranker {
  private df: DocumentFrequencies | undefined;
  private similarIndex: SimilarIndex | undefined;
  private readonly models = new Map<number, { version: number; model: ChatModel | null }>();
  /** models trained but not yet written (see keep) */
  private unsaved: StoredModel[] = [];
  /** vectors under the current frequencies, shared by every chat of a run */
  private readonly vectorCache = new Map<string, HeldVector>();
  /** the words of the held vectors' buckets (kept across new frequencies: buckets stay) */
  private readonly vocabulary = new Vocabulary();
  /** per-document scratch scores of /similar (zeroed after each query) */
  private scores = new Float32Array(0);
  /** versions known to be indexed, so a digest run asks the store once per paper */
  private readonly indexed = new Map<string, number>();

  constructor(private readonly deps: RankerDeps) {}

  private frequencies(): DocumentFrequencies {
    if (!this.df) {
      const stats = this.deps.features.stats();
      this.df = stats ? new DocumentFrequencies(stats.docs, stats.df) : new DocumentFrequencies();
    }
    return this.df;
  }

  /**
   * Computes and stores the features of papers that have none (or an older version's). Cheap
   * for papers already indexed; one transaction per call.
   */
  index(papers: readonly Paper[]): number {
    const unknown = papers.filter((p) => (this.indexed.get(p.id) ?? 0) < p.version);
    if (unknown.length === 0) return 0;
    const versions = this.deps.features.versions(unknown.map((p) => p.id));
    const todo = unknown.filter((p) => (versions.get(p.id) ?? 0) < p.version);
    if (this.indexed.size > 200_000) this.indexed.clear();
    for (const p of unknown) this.indexed.set(p.id, p.version);
    if (todo.length === 0) return 0;
    const df = this.frequencies();
    const old = this.deps.features.docs(todo.filter((p) => versions.has(p.id)).map((p) => p.id));
    const counts = todo.map((p) => termCounts(`${p.title}\n${p.abstract}`));
    for (const doc of old.values()) df.remove(doc.ids);
    for (const c of counts) df.add(c.keys());
    const docs: StoredDoc[] = todo.map((p, i) => ({
      paperId: p.id,
      version: p.version,
      ...docTerms(counts[i] ?? new Map(), df),
    }));
    this.deps.features.save(docs, { docs: df.docs, df: df.df });
    this.similarIndex = undefined;
    this.dropVectors();
    return docs.length;
  }

  /** Forgets the held vectors (and, once it has grown large, the vocabulary with them). */
  private dropVectors(): void {
    this.vectorCache.clear();
    if (this.vocabulary.size > VOCABULARY_KEPT) this.vocabulary.clear();
  }

  /** The vectors of stored papers (papers without features are left out). */
  vectors(paperIds: readonly string[]): Map<string, HeldVector> {
    const df = this.frequencies();
    const out = new Map<string, HeldVector>();
    const missing: string[] = [];
    for (const id of paperIds) {
      const cached = this.vectorCache.get(id);
      if (cached) out.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    if (this.vectorCache.size > 100_000) {
      // the vectors returned so far stay valid: their words are kept
      this.vectorCache.clear();
    }
    for (const [id, doc] of this.deps.features.docs(missing)) {
      const v = this.vocabulary.hold(vectorOf(doc, df));
      this.vectorCache.set(id, v);
      out.set(id, v);
    }
    return out;
  }

  /**
   * The chat's model, trained when its votes changed since the stored one; null below
   * MIN_POSITIVES. Models are remembered per votes version (one primary-key read), so a
   * digest run trains each chat at most once.
   */
  modelFor(chat: number): ChatModel | null {
    const version = this.deps.votes.version(chat);
    const cached = this.models.get(chat);
    if (cached && cached.version === version) return cached.model;
    const seen = String(version);
    const labels = this.deps.votes.labels(chat);
    const positives = labels.filter((l) => l.value > 0);
    let model: ChatModel | null = null;
    if (positives.length >= MIN_POSITIVES) {
      const labelled = labels.map((l) => l.paperId);
      const stored = this.deps.features.model(chat, seen);
      let linear: LinearModel;
      let words: Uint32Array;
      if (stored) {
        // Votes unchanged since the stored model.
        linear = { ids: stored.ids, weights: stored.weights, bias: stored.bias };
        words = this.vocabulary.words(stored.ids);
      } else {
        const weak = this.deps.votes.sameDigests(chat, labelled, labels.length * WEAK_PER_LABEL);
        const vectors = this.vectors([...labelled, ...weak]);
        const examples: Example[] = [];
        for (const l of labels) {
          const x = vectors.get(l.paperId);
          if (x) examples.push({ x, y: l.value > 0 ? 1 : 0, weight: 1 });
        }
        for (const id of weak) {
          const x = vectors.get(id);
          if (x) examples.push({ x, y: 0, weight: WEAK_WEIGHT });
        }
        const trained = train(examples);
        linear = { ids: trained.ids, weights: trained.weights, bias: trained.bias };
        words = trained.words;
        this.keep({ chat, positives: positives.length, votesSeen: seen, ...linear });
      }
      model = {
        model: linear,
        words,
        generation: this.vocabulary.generation,
        liked: positives.slice(0, NEAREST_AMONG).map((l) => l.paperId),
      };
    } else if (labels.length > 0) {
      // Votes were taken back below the threshold: the stored model no longer applies.
      this.unsaved = this.unsaved.filter((m) => m.chat !== chat);
      this.deps.features.dropModel(chat);
    }
    // the most recently trained or loaded chats stay (a digest asks hasModel, then rankFor)
    this.models.delete(chat);
    this.models.set(chat, { version, model });
    if (this.models.size > MODELS_KEPT) {
      for (const oldest of this.models.keys()) {
        this.models.delete(oldest);
        break;
      }
    }
    return model;
  }

  /**
   * Queues a trained model for the store. Models are written together: every WRITE_BATCH, and
   * at the latest once the current synchronous run (a digest, a day of digests) returns to the
   * event loop. Until then this Ranker serves the model from memory.
   */
  private keep(model: StoredModel): void {
    this.unsaved.push(model);
    if (this.unsaved.length >= WRITE_BATCH) this.flush();
    else if (this.unsaved.length === 1) queueMicrotask(() => this.flushAtEndOfRun());
  }

  /**
   * The write at the end of a run, where no caller could hear of a failure: the models wait
   * for the next write instead (a full batch, written in front of a caller, who gets the
   * error). Meanwhile they serve from memory; at worst a new process trains them again.
   */
  private flushAtEndOfRun(): void {
    const models = this.unsaved;
    try {
      this.flush();
    } catch {
      this.unsaved = [...models, ...this.unsaved];
    }
  }

  /**
   * Writes the models trained since the last write, in one transaction. Throws what the store
   * throws; those models are then not kept (they are trained again when next needed).
   */
  flush(): void {
    if (this.unsaved.length === 0) return;
    const models = this.unsaved;
    this.unsaved = [];
    this.deps.features.saveModels(models);
  }

  /** Whether the chat has a model (at least MIN_POSITIVES likes); trains it when stale. */
  hasModel(chat: number): boolean {
    return this.modelFor(chat) !== null;
  }

  /**
   * The chat's papers, best first by its model; in the given order when it has none. Never
   * adds papers: it orders what the caller matched.
   */
  rankFor(chat: number, papers: readonly Paper[]): RankedPaper[] {
    const model = this.modelFor(chat);
    if (!model) return papers.map((paper) => ({ paper, score: 0 }));
    this.index(papers);
    const vectors = this.vectors([...papers.map((p) => p.id), ...model.liked]);
    const xs = papers.map((paper) => vectors.get(paper.id));
    if (model.generation !== this.vocabulary.generation) {
      model.words = this.vocabulary.words(model.model.ids);
      model.generation = this.vocabulary.generation;
    }
    const scores = this.vocabulary.scores({ ...model.model, words: model.words }, xs);
    const ranked = papers.map((paper, order) => {
      const x = xs[order];
      return { paper, score: scores[order] as number, order, x };
    });
    ranked.sort((a, b) => b.score - a.score || a.order - b.order);
    // Named only when the model moved the paper up into the first few and a liked paper is
    // close to it (a digest shows about ten).
    const named = ranked.filter(
      ({ x, score: s, order }, position) =>
        x !== undefined && position < order && position < NAMED_POSITIONS && s > 0,
    );
    const liked = model.liked.flatMap((paperId) => {
      const x = vectors.get(paperId);
      return x ? [{ paperId, x }] : [];
    });
    const nearest = this.vocabulary.nearest(
      liked,
      named.map((r) => ({ paperId: r.paper.id, x: r.x as HeldVector })),
      NEAREST_MIN,
    );
    const reasons = new Map(named.map((r, i) => [r, nearest[i]]));
    return ranked.map((r) => {
      const out: RankedPaper = { paper: r.paper, score: r.score };
      const reason = reasons.get(r);
      if (reason !== undefined) out.nearest = reason;
      return out;
    });
  }

  /** The stored papers nearest to one (cosine of tf-idf vectors), best first. */
  similar(paperId: string, k: number): { paperId: string; similarity: number }[] {
    const query = this.vectors([paperId]).get(paperId);
    if (!query) return [];
    const index = this.similar_();
    if (this.scores.length < index.ids.length) this.scores = new Float32Array(index.ids.length);
    const scores = this.scores;
    const touched: number[] = [];
    for (let q = 0; q < query.ids.length; q++) {
      const bucket = query.ids[q] as number;
      const weight = query.values[q] as number;
      const end = index.offsets[bucket + 1] as number;
      for (let j = index.offsets[bucket] as number; j < end; j++) {
        const d = index.docs[j] as number;
        if (scores[d] === 0) touched.push(d);
        scores[d] = (scores[d] as number) + weight * (index.values[j] as number);
      }
    }
    const best: { d: number; s: number }[] = [];
    let floor = 0;
    for (const d of touched) {
      const s = scores[d] as number;
      scores[d] = 0;
      if (s <= floor || index.ids[d] === paperId) continue;
      best.push({ d, s });
      if (best.length > k * 4) {
        best.sort((a, b) => b.s - a.s);
        best.length = k;
        floor = best.at(-1)?.s ?? 0;
      }
    }
    best.sort((a, b) => b.s - a.s);
    return best.slice(0, k).map((b) => ({ paperId: index.ids[b.d] ?? "", similarity: b.s }));
  }

  /** The /similar index, built from the store on first use and after each index(). */
  private similar_(): SimilarIndex {
    if (this.similarIndex) return this.similarIndex;
    const df = this.frequencies();
    // Two passes over the stored documents: count each bucket's postings, then fill them.
    const counts = new Uint32Array(BUCKETS + 1);
    const ids: string[] = [];
    for (const doc of this.deps.features.all()) {
      for (const b of doc.ids) counts[b + 1] = (counts[b + 1] as number) + 1;
      ids.push(doc.paperId);
    }
    const offsets = counts;
    for (let b = 1; b <= BUCKETS; b++)
      offsets[b] = (offsets[b] as number) + (offsets[b - 1] as number);
    const total = offsets[BUCKETS] as number;
    const docs = new Uint32Array(total);
    const values = new Float32Array(total);
    const fill = offsets.slice(0, BUCKETS);
    let d = 0;
    for (const doc of this.deps.features.all()) {
      if (d >= ids.length) break;
      const v = vectorOf(doc, df);
      for (let i = 0; i < v.ids.length; i++) {
        const b = v.ids[i] as number;
        const at = fill[b] as number;
        fill[b] = at + 1;
        docs[at] = d;
        values[at] = v.values[i] as number;
      }
      d++;
    }
    this.similarIndex = { ids, offsets, docs, values };
    return this.similarIndex;
  }
}
