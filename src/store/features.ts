/**
 * Stored tf-idf features (per paper: strongest hashed terms and their counts; per corpus: the
 * document frequencies) and the learned per-chat ranking models. Blobs are typed arrays as
 * bytes; src/ranking gives them meaning.
 */
import { type Db, nowIso } from "./db.ts";

export interface StoredDoc {
  paperId: string;
  version: number;
  ids: Uint32Array;
  counts: Uint8Array;
}

export interface StoredModel {
  chat: number;
  positives: number;
  votesSeen: string;
  ids: Uint32Array;
  weights: Float32Array;
  bias: number;
}

function bytes(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** A copy, so the typed array is aligned whatever the driver's buffer offset. */
function u32(buf: Buffer): Uint32Array {
  const out = new Uint32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function f32(buf: Buffer): Float32Array {
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function i32(buf: Buffer): Int32Array {
  const out = new Int32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

interface DocRow {
  paper_id: string;
  version: number;
  ids: Buffer;
  counts: Buffer;
}

export class FeatureStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      stats: db.prepare<[], { docs: number; df: Buffer }>(
        "SELECT docs, df FROM feature_stats WHERE id = 1",
      ),
      putStats: db.prepare(
        `INSERT INTO feature_stats (id, docs, df) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET docs = excluded.docs, df = excluded.df`,
      ),
      versions: db
        .prepare<[string], [string, number]>(
          `SELECT paper_id, version FROM feature_docs
           WHERE paper_id IN (SELECT value FROM json_each(?))`,
        )
        .raw(),
      docs: db.prepare<[string], DocRow>(
        "SELECT * FROM feature_docs WHERE paper_id IN (SELECT value FROM json_each(?))",
      ),
      putDoc: db.prepare(
        `INSERT INTO feature_docs (paper_id, version, ids, counts) VALUES (?, ?, ?, ?)
         ON CONFLICT (paper_id) DO UPDATE SET version = excluded.version, ids = excluded.ids,
           counts = excluded.counts`,
      ),
      all: db.prepare<[], DocRow>("SELECT * FROM feature_docs"),
      count: db.prepare<[], number>("SELECT count(*) FROM feature_docs").pluck(),
      model: db.prepare<[number], ModelRow>("SELECT * FROM ranking_models WHERE chat = ?"),
      modelAt: db.prepare<[number, string], ModelRow>(
        "SELECT * FROM ranking_models WHERE chat = ? AND votes_seen = ?",
      ),
      putModel: db.prepare(
        `INSERT INTO ranking_models (chat, positives, votes_seen, ids, weights, bias, trained_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat) DO UPDATE SET positives = excluded.positives,
           votes_seen = excluded.votes_seen, ids = excluded.ids, weights = excluded.weights,
           bias = excluded.bias, trained_at = excluded.trained_at`,
      ),
      dropModel: db.prepare("DELETE FROM ranking_models WHERE chat = ?"),
    };
  }

  stats(): { docs: number; df: Int32Array } | null {
    const row = this.s.stats.get();
    return row ? { docs: row.docs, df: i32(row.df) } : null;
  }

  /** The stored version of each paper that has features. */
  versions(paperIds: readonly string[]): Map<string, number> {
    return new Map(this.s.versions.all(JSON.stringify(paperIds)));
  }

  docs(paperIds: readonly string[]): Map<string, StoredDoc> {
    const out = new Map<string, StoredDoc>();
    for (const row of this.s.docs.all(JSON.stringify(paperIds))) out.set(row.paper_id, toDoc(row));
    return out;
  }

  /** Writes documents and the new corpus statistics in one transaction. */
  save(docs: readonly StoredDoc[], stats: { docs: number; df: Int32Array }): void {
    this.db.transaction(() => {
      for (const d of docs) this.s.putDoc.run(d.paperId, d.version, bytes(d.ids), bytes(d.counts));
      this.s.putStats.run(stats.docs, bytes(stats.df));
    })();
  }

  /** Every stored document, one at a time (for the /similar index). */
  *all(): Generator<StoredDoc> {
    for (const row of this.s.all.iterate()) yield toDoc(row);
  }

  count(): number {
    return this.s.count.get() ?? 0;
  }

  /**
   * The chat's stored model; with `votesSeen`, only when it was trained at those votes (a
   * stale model's weights are not read).
   */
  model(chat: number, votesSeen?: string): StoredModel | null {
    const row =
      votesSeen === undefined ? this.s.model.get(chat) : this.s.modelAt.get(chat, votesSeen);
    if (!row) return null;
    return {
      chat: row.chat,
      positives: row.positives,
      votesSeen: row.votes_seen,
      ids: u32(row.ids),
      weights: f32(row.weights),
      bias: row.bias,
    };
  }

  /**
   * Writes models in one transaction (a day retrains thousands: one commit each would cost
   * more than the training). Nothing is written once the database is closed: a model is
   * derived from the votes, and one not kept is trained again on next use.
   */
  saveModels(models: readonly StoredModel[]): void {
    if (models.length === 0 || !this.db.open) return;
    const at = nowIso();
    this.db.transaction(() => {
      for (const m of models) {
        this.s.putModel.run(
          m.chat,
          m.positives,
          m.votesSeen,
          bytes(m.ids),
          bytes(m.weights),
          m.bias,
          at,
        );
      }
    })();
  }

  dropModel(chat: number): void {
    this.s.dropModel.run(chat);
  }
}

interface ModelRow {
  chat: number;
  positives: number;
  votes_seen: string;
  ids: Buffer;
  weights: Buffer;
  bias: number;
}

function toDoc(row: DocRow): StoredDoc {
  return {
    paperId: row.paper_id,
    version: row.version,
    ids: u32(row.ids),
    counts: new Uint8Array(row.counts),
  };
}
