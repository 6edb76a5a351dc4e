/**
 * The learned ranking's moving parts at a day's scale: training matches a plain reference
 * implementation (the flat layout, hash slots, selection and radix sort change no weight),
 * the named reason is the liked paper of highest cosine, the votes version moves on with
 * every vote, star and /forget, the weak negatives come newest day first, and trained models
 * reach the store in batches and are reused, not retrained, by the next process.
 */
import { describe, expect, it } from "vitest";
import { type LinearModel, MODEL_WEIGHTS, train } from "../src/ranking/model.ts";
import { MIN_POSITIVES, Ranker } from "../src/ranking/ranker.ts";
import { cosine, type SparseVector } from "../src/ranking/tfidf.ts";
import { Vocabulary } from "../src/ranking/vocabulary.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { FeatureStore } from "../src/store/features.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { VoteStore } from "../src/store/votes.ts";
import { fixturePapers } from "./summarise-fixtures.ts";

/** The plain reference score: a sparse dot product of the model and the paper's vector. */
function score(model: LinearModel, x: SparseVector): number {
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

let seed = 1;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

/** A normalised sparse vector of `terms` distinct buckets below `range`. */
function vector(terms: number, range: number): SparseVector {
  const ids = new Set<number>();
  while (ids.size < terms) ids.add(Math.floor(random() ** 2 * range));
  const values = Float32Array.from({ length: terms }, () => random() + 0.01);
  const norm = Math.hypot(...values);
  return {
    ids: Uint32Array.from([...ids].sort((a, b) => a - b)),
    values: values.map((v) => v / norm),
  };
}

/**
 * The training the model documents, written plainly: weights in a Map, the same fixed
 * shuffle, class balance, step and decay; then the MODEL_WEIGHTS largest magnitudes, by id.
 */
function reference(examples: { x: SparseVector; y: 0 | 1; weight: number }[]) {
  const w = new Map<number, number>();
  let bias = 0;
  let pos = 0;
  let neg = 0;
  for (const e of examples) {
    if (e.y === 1) pos += e.weight;
    else neg += e.weight;
  }
  const posScale = (pos + neg) / (2 * Math.max(pos, 1e-9));
  const negScale = (pos + neg) / (2 * Math.max(neg, 1e-9));
  const order = examples.map((_, i) => i);
  let s = 12_345;
  for (let i = order.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  for (const e of examples) for (const id of e.x.ids) w.set(id, 0);
  for (let epoch = 0; epoch < 6; epoch++) {
    const rate = 2 / (1 + epoch);
    for (const index of order) {
      const e = examples[index] as (typeof examples)[number];
      let z = bias;
      e.x.ids.forEach((id, k) => {
        z += (w.get(id) ?? 0) * (e.x.values[k] ?? 0);
      });
      const step =
        rate * (1 / (1 + Math.exp(-z)) - e.y) * e.weight * (e.y === 1 ? posScale : negScale);
      e.x.ids.forEach((id, k) => {
        w.set(id, (w.get(id) ?? 0) - step * (e.x.values[k] ?? 0));
      });
      bias -= step * 0.1;
    }
    for (const [id, v] of w) w.set(id, v * (1 - rate * 1e-3));
  }
  const kept = [...w]
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, MODEL_WEIGHTS)
    .sort((a, b) => a[0] - b[0]);
  return { ids: kept.map(([id]) => id), weights: kept.map(([, v]) => v), bias };
}

describe("training", () => {
  it("gives the reference's weights, a small chat after a large one and before another", () => {
    // 300 examples over many buckets (more than MODEL_WEIGHTS touched, scratch space grows),
    // then 12 (fewer than MODEL_WEIGHTS: all kept), then 60 again in the grown scratch
    const vocabulary = new Vocabulary();
    for (const [count, range] of [
      [300, 1 << 18],
      [12, 4_000],
      [60, 1 << 18],
    ] as const) {
      const examples = Array.from({ length: count }, (_, i) => ({
        x: vocabulary.hold(vector(64, range)),
        y: (i % 3 === 0 ? 1 : 0) as 0 | 1,
        weight: i % 2 === 0 ? 1 : 0.3,
      }));
      const model = train(examples);
      const expected = reference(examples);
      expect([...model.ids]).toEqual(expected.ids);
      expect(model.bias).toBeCloseTo(expected.bias, 9);
      model.weights.forEach((v, i) => {
        expect(v).toBeCloseTo(expected.weights[i] ?? Number.NaN, 6);
      });
      expect(model.ids.length).toBe(Math.min(MODEL_WEIGHTS, new Set(expected.ids).size));
      // each weight knows the vocabulary word of its bucket
      expect([...model.words]).toEqual([...vocabulary.words(model.ids)]);
    }
  });
});

describe("the vocabulary", () => {
  it("numbers buckets once each, and starts over (a new generation) when cleared", () => {
    const vocabulary = new Vocabulary();
    const a = vocabulary.words(Uint32Array.of(5, 9, 200_000));
    const b = vocabulary.words(Uint32Array.of(9, 77));
    expect([...a, ...b]).toEqual([0, 1, 2, 1, 3]);
    const generation = vocabulary.generation;
    vocabulary.clear();
    expect(vocabulary.generation).not.toBe(generation);
    expect([...vocabulary.words(Uint32Array.of(77))]).toEqual([0]);
  });

  it("scores as the model's merge does, and names the liked paper of highest cosine", () => {
    const vocabulary = new Vocabulary();
    const xs = Array.from({ length: 40 }, () => vocabulary.hold(vector(64, 20_000)));
    const liked = Array.from({ length: 12 }, (_, i) => ({
      paperId: `liked-${i}`,
      x: vocabulary.hold(vector(64, 20_000)),
    }));
    const model = train([
      ...liked.map((l) => ({ x: l.x, y: 1 as const, weight: 1 })),
      ...xs.slice(0, 20).map((x) => ({ x, y: 0 as const, weight: 0.3 })),
    ]);
    const scores = vocabulary.scores(model, [...xs, undefined]);
    xs.forEach((x, i) => {
      expect(scores[i]).toBe(score(model, x));
    });
    expect(scores[xs.length]).toBe(model.bias);
    // the first query is a liked paper itself: never its own reason
    const self = liked[3] as (typeof liked)[number];
    const queries = [self, ...xs.map((x, i) => ({ paperId: `q-${i}`, x }))];
    const named = vocabulary.nearest(liked, queries, 0.05);
    queries.forEach((q, i) => {
      const best = liked
        .filter((l) => l.paperId !== q.paperId)
        .map((l) => ({ id: l.paperId, c: cosine(l.x, q.x) }))
        .reduce((m, c) => (c.c > m.c ? c : m), { id: "", c: 0.05 });
      expect(named[i]).toBe(best.id || undefined);
    });
    expect(named.some((n) => n !== undefined)).toBe(true);
  });
});

function stores() {
  const db = openDatabase(":memory:");
  const papers = new PaperStore(db);
  const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const votes = new VoteStore(db);
  const outbox = new OutboxStore(db);
  const features = new FeatureStore(db);
  const all = fixturePapers();
  for (const p of all) papers.upsert(p);
  return { db, papers, chats, votes, outbox, features, all };
}

describe("the votes version", () => {
  it("moves on with every vote, its take-back, a star and /forget, per chat", () => {
    const { chats, votes, all } = stores();
    const a = chats.ensure({ platform: "telegram", chatId: "-1", type: "group" }).id;
    const b = chats.ensure({ platform: "telegram", chatId: "-2", type: "group" }).id;
    const c = chats.ensure({ platform: "discord", chatId: "3", type: "group" }).id;
    const id = all[0]?.id ?? "";
    expect(votes.version(a)).toBe(0);
    const seen = new Set([votes.version(a)]);
    const step = (change: () => unknown) => {
      change();
      const v = votes.version(a);
      expect(seen.has(v)).toBe(false);
      seen.add(v);
    };
    step(() => votes.toggleVote(a, "u1", id, 1));
    step(() => votes.toggleVote(a, "u1", id, -1));
    step(() => votes.toggleVote(a, "u1", id, -1)); // taken back
    step(() =>
      votes.toggleSaved({
        platform: "telegram",
        userId: "u2",
        paperId: id,
        chat: a,
        version: 1,
        hadCode: false,
      }),
    );
    votes.toggleVote(b, "u9", id, 1);
    votes.toggleVote(c, "u2", id, 1);
    const before = { b: votes.version(b), c: votes.version(c) };
    step(() => votes.forget("telegram", "u2"));
    // another person's chat and another platform's are left alone
    expect(votes.version(b)).toBe(before.b);
    expect(votes.version(c)).toBe(before.c);
  });
});

describe("weak negatives", () => {
  it("are the other papers of the days a labelled paper came, newest day first, in flight too", () => {
    const { chats, votes, outbox, all } = stores();
    const chat = chats.ensure({ platform: "telegram", chatId: "7", type: "private" }).id;
    const ids = all.map((p) => p.id);
    const [l1, l2, ...rest] = ids as [string, string, ...string[]];
    outbox.recordSent(chat, "2024-04-22", [l1, ...rest.slice(0, 3)]);
    outbox.recordSent(chat, "2024-04-23", rest.slice(3, 6)); // no labelled paper that day
    outbox.recordSent(chat, "2024-04-24", [l2, ...rest.slice(6, 8)]);
    outbox.reserve(chat, "2024-04-24", [rest[8] ?? ""], "batch-1");
    const weak = votes.sameDigests(chat, [l1, l2], 100);
    expect(weak.slice(0, 3).sort()).toEqual([...rest.slice(6, 9)].sort());
    expect(weak.slice(3).sort()).toEqual(rest.slice(0, 3).sort());
    expect(votes.sameDigests(chat, [l1, l2], 2)).toHaveLength(2);
    expect(votes.sameDigests(chat, [rest[20] ?? ""], 100)).toEqual([]);
  });
});

describe("stored models", () => {
  /** A chat that liked the first papers and disliked a few, with its digests on record. */
  function voted() {
    const s = stores();
    const ranker = new Ranker({ features: s.features, votes: s.votes, papers: s.papers });
    ranker.index(s.all);
    const chat = s.chats.ensure({ platform: "telegram", chatId: "8", type: "private" }).id;
    s.outbox.recordSent(
      chat,
      "2024-04-24",
      s.all.slice(0, 30).map((p) => p.id),
    );
    for (const p of s.all.slice(0, MIN_POSITIVES + 1)) s.votes.toggleVote(chat, "8", p.id, 1);
    for (const p of s.all.slice(10, 13)) s.votes.toggleVote(chat, "8", p.id, -1);
    return { ...s, ranker, chat, day: s.all.slice(30) };
  }

  it("are written by the end of the run and reused by the next process, not retrained", async () => {
    const { features, votes, papers, ranker, chat, day } = voted();
    let trainings = 0;
    const counted = {
      version: (c: number) => votes.version(c),
      labels: (c: number) => votes.labels(c),
      sameDigests: (c: number, labelled: readonly string[], limit: number) => {
        trainings++;
        return votes.sameDigests(c, labelled, limit);
      },
    };
    const first = ranker.rankFor(chat, day);
    expect(features.model(chat)).toBeNull(); // queued, not yet written
    await Promise.resolve();
    expect(features.model(chat)?.votesSeen).toBe(String(votes.version(chat)));
    // a new process: the stored model is used as it is
    const stored = features.model(chat);
    const again = new Ranker({ features, votes: counted, papers });
    expect(again.hasModel(chat)).toBe(true);
    expect(again.rankFor(chat, day).map((r) => [r.paper.id, r.score, r.nearest])).toEqual(
      first.map((r) => [r.paper.id, r.score, r.nearest]),
    );
    expect(trainings).toBe(0);
    // a new vote makes the stored model stale: trained once more, and written again
    votes.toggleVote(chat, "9", day[0]?.id ?? "", 1);
    expect(again.hasModel(chat)).toBe(true);
    again.rankFor(chat, day);
    expect(trainings).toBe(1);
    again.flush();
    expect(features.model(chat)?.votesSeen).toBe(String(votes.version(chat)));
    expect(features.model(chat)?.weights).not.toEqual(stored?.weights);
  });

  it("wait for the next write when the end-of-run write fails, and that write reports it", async () => {
    const { features, votes, papers, chat, day } = voted();
    let failures = 1;
    const flaky = Object.create(features) as FeatureStore;
    flaky.saveModels = (models) => {
      if (failures-- > 0) throw new Error("disk I/O error");
      features.saveModels(models);
    };
    const ranker = new Ranker({ features: flaky, votes, papers });
    ranker.rankFor(chat, day);
    await Promise.resolve(); // the end-of-run write fails quietly
    expect(features.model(chat)).toBeNull();
    expect(ranker.hasModel(chat)).toBe(true); // served from memory meanwhile
    ranker.flush();
    expect(features.model(chat)?.votesSeen).toBe(String(votes.version(chat)));
    failures = 1;
    votes.toggleVote(chat, "9", day[0]?.id ?? "", 1);
    ranker.rankFor(chat, day);
    expect(() => ranker.flush()).toThrow("disk I/O error");
  });

  it("are dropped, queued or written, when likes fall below the threshold", () => {
    const { features, votes, all, ranker, chat, day } = voted();
    const press = () => {
      for (const p of all.slice(0, 2)) votes.toggleVote(chat, "8", p.id, 1);
    };
    ranker.rankFor(chat, day);
    press(); // taken back while the model waits to be written
    expect(ranker.hasModel(chat)).toBe(false);
    ranker.flush();
    expect(features.model(chat)).toBeNull();
    press(); // liked again: trained and written
    expect(ranker.hasModel(chat)).toBe(true);
    ranker.flush();
    expect(features.model(chat)).not.toBeNull();
    press(); // taken back once more: the stored model goes
    expect(ranker.hasModel(chat)).toBe(false);
    expect(features.model(chat)).toBeNull();
  });

  it("name the liked paper of highest cosine above the threshold as the reason", () => {
    const { ranker, chat, votes, all, day: others } = voted();
    // near-copies of two liked papers come last in the matches: the model moves them up
    const copies = all.slice(1, 3).map((p, i) => ({
      ...p,
      id: `2499.0000${i}`,
      abstract: p.abstract.slice(0, p.abstract.length / 2),
    }));
    const day = [...others, ...copies];
    const ranked = ranker.rankFor(chat, day);
    const liked = votes.labels(chat).filter((l) => l.value > 0);
    const vectors = ranker.vectors([...day.map((p) => p.id), ...liked.map((l) => l.paperId)]);
    const named = ranked.filter((r) => r.nearest);
    expect(named.map((r) => r.paper.id)).toEqual(expect.arrayContaining(copies.map((p) => p.id)));
    for (const r of named) {
      const x = vectors.get(r.paper.id) as SparseVector;
      const best = liked
        .map((l) => ({ id: l.paperId, c: cosine(vectors.get(l.paperId) as SparseVector, x) }))
        .reduce((a, b) => (b.c > a.c ? b : a));
      expect(r.nearest).toBe(best.id);
      expect(best.c).toBeGreaterThan(0.12);
    }
    // the order is the model's: scores descending, the input order breaking ties
    const scores = ranked.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(ranked.map((r) => r.paper.id))).toEqual(new Set(day.map((p: Paper) => p.id)));
  });
});
