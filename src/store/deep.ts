/**
 * Deep-read cards (深读), /ask answers and the daily quota of new ones, in SQLite. A deep card is
 * stored once per (paper, version, prompt version, model) and an answer once per question as
 * well, like the short cards in cards.ts; their tokens are counted in llm_usage through
 * CardStore.recordUsage, so one daily budget covers every call.
 *
 * The stored shapes are validated on the way out: a row that no longer fits is treated as
 * absent and written again.
 */
import { z } from "zod";
import { DEEP_CARD, type SectionValues, storedShape } from "../core/card-sections.ts";
import type { CallUsage } from "./cards.ts";
import { type Db, nowIso } from "./db.ts";

export const DeepCardSchema = z.object({
  ...storedShape(DEEP_CARD),
  paper_id: z.string(),
  version: z.number().int().positive(),
  title_en: z.string(),
  /** "A, B, C 等" */
  authors: z.string(),
  /** from the full text's title block, else arXiv's metadata; never from the model */
  affiliations: z.array(z.string()),
  /** which rendering the text came from, and where */
  source: z.enum(["html", "pdf"]),
  source_url: z.string(),
  /** the excerpt the model read: its tokens and the sections cut or left out */
  excerpt: z.object({
    tokens: z.number().int().nonnegative(),
    cut: z.array(z.string()),
    omitted: z.array(z.string()),
  }),
  /** numbers the model wrote that the full text does not contain, removed with their sentence */
  numbers_removed: z.array(z.string()),
  /** what code changed in the model's answer */
  repairs: z.array(z.string()),
  cleaned: z.boolean(),
  prompt_version: z.string(),
  model: z.string(),
});
export type DeepCard = z.infer<typeof DeepCardSchema>;

/** The fields the LLM writes on a deep card. */
export type DeepLlmFields = SectionValues<typeof DEEP_CARD>;

export const AnswerSchema = z.object({
  paper_id: z.string(),
  version: z.number().int().positive(),
  question: z.string(),
  /** false when the paper does not answer the question */
  answered: z.boolean(),
  answer: z.string(),
  /** the passages the answer relies on, each under a section title of the full text */
  quotes: z.array(z.object({ section: z.string(), text: z.string() })),
  numbers_removed: z.array(z.string()),
  prompt_version: z.string(),
  model: z.string(),
});
export type Answer = z.infer<typeof AnswerSchema>;

/** A question as its cache key: folded, lower-cased, spaces collapsed, end marks dropped. */
export function questionKey(question: string): string {
  return question
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/[\s?？。.!！]+$/u, "")
    .trim();
}

export class DeepStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      card: db.prepare<[string, number, string, string], { card: string }>(
        `SELECT card FROM deep_cards
         WHERE paper_id = ? AND version = ? AND prompt_version = ? AND model = ?`,
      ),
      putCard: db.prepare(
        `INSERT INTO deep_cards (paper_id, version, prompt_version, model, card,
                                 prompt_tokens, completion_tokens, created_at)
         VALUES (@paper_id, @version, @prompt_version, @model, @card,
                 @prompt_tokens, @completion_tokens, @created_at)
         ON CONFLICT (paper_id, version, prompt_version, model) DO UPDATE SET
           card = excluded.card, prompt_tokens = excluded.prompt_tokens,
           completion_tokens = excluded.completion_tokens, created_at = excluded.created_at`,
      ),
      answer: db.prepare<[string, number, string, string, string], { answer: string }>(
        `SELECT answer FROM deep_answers
         WHERE paper_id = ? AND version = ? AND question = ? AND prompt_version = ? AND model = ?`,
      ),
      putAnswer: db.prepare(
        `INSERT INTO deep_answers (paper_id, version, question, prompt_version, model, answer,
                                   created_at)
         VALUES (@paper_id, @version, @question, @prompt_version, @model, @answer, @created_at)
         ON CONFLICT (paper_id, version, question, prompt_version, model) DO UPDATE SET
           answer = excluded.answer, created_at = excluded.created_at`,
      ),
      used: db
        .prepare<[string, string], number>(`SELECT count FROM deep_quota WHERE day = ? AND key = ?`)
        .pluck(),
      use: db.prepare<[string, string]>(
        `INSERT INTO deep_quota (day, key, count) VALUES (?, ?, 1)
         ON CONFLICT (day, key) DO UPDATE SET count = count + 1`,
      ),
      pruneQuota: db.prepare<[string]>(`DELETE FROM deep_quota WHERE day < ?`),
    };
  }

  /** The deep card under exactly this cache key. */
  card(
    paperId: string,
    version: number,
    promptVersion: string,
    model: string,
  ): DeepCard | undefined {
    const row = this.stmt.card.get(paperId, version, promptVersion, model);
    if (!row) return undefined;
    const parsed = DeepCardSchema.safeParse(JSON.parse(row.card));
    return parsed.success ? parsed.data : undefined;
  }

  /** Stores a deep card with what it cost (the paper must be stored first). */
  putCard(card: DeepCard, usage: CallUsage): void {
    const valid = DeepCardSchema.parse(card);
    this.stmt.putCard.run({
      paper_id: valid.paper_id,
      version: valid.version,
      prompt_version: valid.prompt_version,
      model: valid.model,
      card: JSON.stringify(valid),
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      created_at: nowIso(),
    });
  }

  /** The stored answer to a question (compared by questionKey). */
  answer(
    paperId: string,
    version: number,
    question: string,
    promptVersion: string,
    model: string,
  ): Answer | undefined {
    const row = this.stmt.answer.get(paperId, version, questionKey(question), promptVersion, model);
    if (!row) return undefined;
    const parsed = AnswerSchema.safeParse(JSON.parse(row.answer));
    return parsed.success ? parsed.data : undefined;
  }

  putAnswer(answer: Answer): void {
    const valid = AnswerSchema.parse(answer);
    this.stmt.putAnswer.run({
      paper_id: valid.paper_id,
      version: valid.version,
      question: questionKey(valid.question),
      prompt_version: valid.prompt_version,
      model: valid.model,
      answer: JSON.stringify(valid),
      created_at: nowIso(),
    });
  }

  /** How many new deep reads or questions `key` used on a UTC day. */
  used(day: string, key: string): number {
    return this.stmt.used.get(day, key) ?? 0;
  }

  /** Counts one use of `key` on a UTC day; forgets days before it. */
  use(day: string, key: string): void {
    this.stmt.pruneQuota.run(day);
    this.stmt.use.run(day, key);
  }
}
