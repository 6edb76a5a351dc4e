/**
 * Cards and LLM token usage in SQLite. One card per (paper, version, prompt version, model);
 * fallback cards live under their own prompt version and model ("fallback"), so a real card
 * never collides with one. The best card's Chinese text also goes into search_fts, in a row
 * of the paper's own (card_search finds it), so a Chinese /search finds papers by their card.
 * Failed attempts are counted per cache key (card_failures), so the summariser can bound what
 * a card the LLM keeps failing on costs.
 */
import { type Card, CardSchema, cardSearchText } from "./card.ts";
import type { Db } from "./db.ts";
import { nowIso } from "./db.ts";

export interface CallUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Tokens spent on one UTC day. */
export interface DayUsage {
  day: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  total: number;
}

/** A paper version that has no real card for a prompt version and model. */
export interface MissingCard {
  id: string;
  version: number;
}

/** How often the LLM failed on one paper version under one prompt version and model. */
export interface CardFailure {
  failures: number;
  /** ISO time of the last failure */
  lastFailedAt: string;
}

/** Which papers `papersMissingCards` lists. */
export interface MissingOptions {
  limit?: number;
  /** also papers whose real card comes from another prompt version or model */
  refresh?: boolean;
}

interface CardRow {
  paper_id: string;
  card: string;
}

/** The UTC day of a moment, YYYY-MM-DD: the budget's unit. */
export function utcDay(at: Date = new Date()): string {
  return at.toISOString().slice(0, 10);
}

export class CardStore {
  private readonly stmt;
  private readonly putTx;

  constructor(db: Db) {
    this.stmt = {
      get: db.prepare<[string, number, string, string], CardRow>(
        `SELECT paper_id, card FROM cards
         WHERE paper_id = ? AND version = ? AND prompt_version = ? AND model = ?`,
      ),
      // Real cards first (a Chinese card of v1 reads better than an English fallback of v2),
      // then the latest version, then the newest.
      best: db.prepare<[string], CardRow>(
        `SELECT paper_id, card FROM cards WHERE paper_id = ?
         ORDER BY fallback ASC, version DESC, created_at DESC LIMIT 1`,
      ),
      bestMany: db.prepare<[string], CardRow>(
        `SELECT paper_id, card FROM cards
         WHERE paper_id IN (SELECT value FROM json_each(?))
         ORDER BY paper_id, fallback ASC, version DESC, created_at DESC`,
      ),
      upsert: db.prepare(
        `INSERT INTO cards (paper_id, version, prompt_version, model, fallback, card,
                            prompt_tokens, completion_tokens, created_at)
         VALUES (@paper_id, @version, @prompt_version, @model, @fallback, @card,
                 @prompt_tokens, @completion_tokens, @created_at)
         ON CONFLICT (paper_id, version, prompt_version, model) DO UPDATE SET
           fallback = excluded.fallback, card = excluded.card,
           prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
           created_at = excluded.created_at`,
      ),
      dropFallbacks: db.prepare<[string]>(`DELETE FROM cards WHERE paper_id = ? AND fallback = 1`),
      ftsRow: db
        .prepare<[string], number>(`SELECT fts_rowid FROM card_search WHERE paper_id = ?`)
        .pluck(),
      ftsUpdate: db.prepare<[string, number]>(`UPDATE search_fts SET card = ? WHERE rowid = ?`),
      ftsInsert: db.prepare<[string, string]>(
        `INSERT INTO search_fts (paper_id, card) VALUES (?, ?)`,
      ),
      ftsLink: db.prepare<[string, number | bigint]>(
        `INSERT INTO card_search (paper_id, fts_rowid) VALUES (?, ?)`,
      ),
      missing: db.prepare<[number, string, string, number], MissingCard>(
        `SELECT p.id, p.version FROM papers p
         WHERE NOT EXISTS (
           SELECT 1 FROM cards c
           WHERE c.paper_id = p.id AND c.version = p.version AND c.fallback = 0
             AND (? = 0 OR (c.prompt_version = ? AND c.model = ?)))
         ORDER BY p.announce_date IS NULL, p.announce_date DESC, p.id DESC
         LIMIT ?`,
      ),
      realOf: db.prepare<[string, number], CardRow>(
        `SELECT paper_id, card FROM cards WHERE paper_id = ? AND version = ? AND fallback = 0
         ORDER BY created_at DESC LIMIT 1`,
      ),
      failure: db.prepare<
        [string, number, string, string],
        { failures: number; last_failed_at: string }
      >(
        `SELECT failures, last_failed_at FROM card_failures
         WHERE paper_id = ? AND version = ? AND prompt_version = ? AND model = ?`,
      ),
      addFailure: db.prepare(
        `INSERT INTO card_failures (paper_id, version, prompt_version, model, failures,
                                    last_failed_at)
         VALUES (@paper_id, @version, @prompt_version, @model, 1, @at)
         ON CONFLICT (paper_id, version, prompt_version, model) DO UPDATE SET
           failures = failures + 1, last_failed_at = excluded.last_failed_at`,
      ),
      clearFailures: db.prepare<[string, number]>(
        `DELETE FROM card_failures WHERE paper_id = ? AND version = ?`,
      ),
      addUsage: db.prepare(
        `INSERT INTO llm_usage (day, calls, prompt_tokens, completion_tokens)
         VALUES (@day, 1, @prompt, @completion)
         ON CONFLICT (day) DO UPDATE SET calls = calls + 1,
           prompt_tokens = prompt_tokens + excluded.prompt_tokens,
           completion_tokens = completion_tokens + excluded.completion_tokens`,
      ),
      usageOn: db.prepare<
        [string],
        { calls: number; prompt_tokens: number; completion_tokens: number }
      >(`SELECT calls, prompt_tokens, completion_tokens FROM llm_usage WHERE day = ?`),
    };
    this.putTx = db.transaction((card: Card, usage: CallUsage) => {
      if (!card.fallback) {
        this.stmt.dropFallbacks.run(card.paper_id);
        this.stmt.clearFailures.run(card.paper_id, card.version);
      }
      this.stmt.upsert.run({
        paper_id: card.paper_id,
        version: card.version,
        prompt_version: card.prompt_version,
        model: card.model,
        fallback: card.fallback ? 1 : 0,
        card: JSON.stringify(card),
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        created_at: nowIso(),
      });
      const best = this.best(card.paper_id);
      const text = best && !best.fallback ? cardSearchText(best) : "";
      const rowid = this.stmt.ftsRow.get(card.paper_id);
      if (rowid !== undefined) this.stmt.ftsUpdate.run(text, rowid);
      else if (text) {
        const row = this.stmt.ftsInsert.run(card.paper_id, text);
        this.stmt.ftsLink.run(card.paper_id, row.lastInsertRowid);
      }
    });
  }

  /** A stored card that no longer fits the schema is treated as absent (it gets rewritten). */
  private parse(row: CardRow | undefined): Card | undefined {
    if (!row) return undefined;
    const parsed = CardSchema.safeParse(JSON.parse(row.card));
    return parsed.success ? parsed.data : undefined;
  }

  /** The card under exactly this cache key. */
  get(paperId: string, version: number, promptVersion: string, model: string): Card | undefined {
    return this.parse(this.stmt.get.get(paperId, version, promptVersion, model));
  }

  /** The card to show for a paper: a real card over a fallback, then the latest version. */
  best(paperId: string): Card | undefined {
    return this.parse(this.stmt.best.get(paperId));
  }

  /** best() for many papers in one query (digests: a thousand papers in a few ms). */
  bestMany(paperIds: readonly string[]): Map<string, Card> {
    const out = new Map<string, Card>();
    if (paperIds.length === 0) return out;
    for (const row of this.stmt.bestMany.iterate(JSON.stringify(paperIds))) {
      if (out.has(row.paper_id)) continue;
      const card = this.parse(row);
      if (card) out.set(row.paper_id, card);
    }
    return out;
  }

  /**
   * Stores a card (replacing the one under the same key) with the tokens it cost, and puts
   * the paper's best card text into the search index. A real card removes the paper's
   * fallback cards. The paper must be stored first.
   */
  put(card: Card, usage: CallUsage = { promptTokens: 0, completionTokens: 0 }): void {
    this.putTx(CardSchema.parse(card), usage);
  }

  /** The newest real card of one paper version, whatever prompt or model wrote it. */
  realCardOf(paperId: string, version: number): Card | undefined {
    return this.parse(this.stmt.realOf.get(paperId, version));
  }

  /**
   * Papers (current version) that have no real card, newest announcement first. With
   * `refresh`, also those whose real card comes from another prompt version or model.
   */
  papersMissingCards(
    promptVersion: string,
    model: string,
    options: MissingOptions = {},
  ): MissingCard[] {
    const refresh = options.refresh ? 1 : 0;
    return this.stmt.missing.all(refresh, promptVersion, model, options.limit ?? -1);
  }

  /** The failures recorded under one cache key, or undefined when there are none. */
  failureOf(
    paperId: string,
    version: number,
    promptVersion: string,
    model: string,
  ): CardFailure | undefined {
    const row = this.stmt.failure.get(paperId, version, promptVersion, model);
    return row ? { failures: row.failures, lastFailedAt: row.last_failed_at } : undefined;
  }

  /** Counts one failed attempt under a cache key. A real card of the version clears them. */
  recordFailure(
    paperId: string,
    version: number,
    promptVersion: string,
    model: string,
    at: Date = new Date(),
  ): void {
    this.stmt.addFailure.run({
      paper_id: paperId,
      version,
      prompt_version: promptVersion,
      model,
      at: at.toISOString(),
    });
  }

  /** Adds one LLM call's tokens to its UTC day. */
  recordUsage(usage: CallUsage, at: Date = new Date()): void {
    this.stmt.addUsage.run({
      day: utcDay(at),
      prompt: usage.promptTokens,
      completion: usage.completionTokens,
    });
  }

  /** Tokens spent on a UTC day. */
  usageOn(day: string): DayUsage {
    const row = this.stmt.usageOn.get(day);
    const promptTokens = row?.prompt_tokens ?? 0;
    const completionTokens = row?.completion_tokens ?? 0;
    return {
      day,
      calls: row?.calls ?? 0,
      promptTokens,
      completionTokens,
      total: promptTokens + completionTokens,
    };
  }
}
