/**
 * Full-text search over stored papers and cards (search_fts, trigram tokenizer, so Chinese
 * needs no word segmentation). What a user types never reaches FTS syntax: every term is
 * quoted, and terms shorter than a trigram fall back to LIKE with escaped wildcards.
 */
import type { Db } from "./db.ts";

export interface SearchHit {
  paperId: string;
  title: string;
  announceDate: string | null;
}

/** The most terms a query may have; more are dropped (users type phrases, not essays). */
export const MAX_TERMS = 4;
/** The most characters of a query that are searched. */
export const MAX_QUERY_LENGTH = 100;

/** Controls, zero-width and bidi marks: invisible, and never part of a useful query. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

/** The searchable terms of what a user typed: normalised, visible, with a letter or digit. */
export function queryTerms(query: string): string[] {
  return query
    .normalize("NFKC")
    .replace(INVISIBLE, " ")
    .slice(0, MAX_QUERY_LENGTH)
    .split(/\s+/)
    .filter((t) => /[\p{L}\p{N}]/u.test(t))
    .slice(0, MAX_TERMS);
}

/** An FTS5 query that means "all these strings", whatever characters they hold. */
export function ftsQuery(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(" ");
}

function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const TRIGRAM = 3;

export class SearchStore {
  private readonly matchStmt;
  private readonly likeStmt;

  constructor(db: Db) {
    // Title hits weigh most, then the Chinese card, then the abstract; a paper may have more
    // than one row (metadata and card written separately), so rows are grouped by paper.
    this.matchStmt = db.prepare<[string, number], SearchHit>(
      `SELECT p.id AS paperId, p.title AS title, p.announce_date AS announceDate
       FROM (SELECT paper_id, min(rank) AS score FROM search_fts
             WHERE search_fts MATCH ? AND rank MATCH 'bm25(0.0, 4.0, 1.0, 2.0)'
             GROUP BY paper_id) AS f
       JOIN papers AS p ON p.id = f.paper_id
       ORDER BY f.score, p.id DESC LIMIT ?`,
    );
    const hay =
      "(coalesce(title, '') || ' ' || coalesce(abstract, '') || ' ' || coalesce(card, ''))";
    this.likeStmt = db.prepare<[string, string, string, string, number], SearchHit>(
      `SELECT p.id AS paperId, p.title AS title, p.announce_date AS announceDate
       FROM (SELECT DISTINCT paper_id FROM search_fts
             WHERE ${hay} LIKE ? ESCAPE '\\' AND ${hay} LIKE ? ESCAPE '\\'
               AND ${hay} LIKE ? ESCAPE '\\' AND ${hay} LIKE ? ESCAPE '\\') AS f
       JOIN papers AS p ON p.id = f.paper_id
       ORDER BY p.announce_date DESC, p.id DESC LIMIT ?`,
    );
  }

  /**
   * Papers whose title, abstract or card contain every term of `query`, best first. Empty
   * when the query has no searchable term.
   */
  search(query: string, limit = 5): SearchHit[] {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    if (terms.every((t) => Array.from(t).length >= TRIGRAM)) {
      return this.matchStmt.all(ftsQuery(terms), limit);
    }
    const [a = "", b = "", c = "", d = ""] = terms;
    return this.likeStmt.all(likePattern(a), likePattern(b), likePattern(c), likePattern(d), limit);
  }
}
