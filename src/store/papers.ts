/**
 * The papers table and what hangs off it: which announcement listed which paper, which
 * announcement days were ingested, and each paper's title/abstract row in search_fts.
 * Writes are idempotent: upserting what is already stored changes no row, not even
 * `updated_at`, so re-ingesting an announcement is a no-op.
 */
import { z } from "zod";
import { type Db, nowIso } from "./db.ts";
import { type AnnounceType, IsoDateSchema, type Paper, PaperSchema } from "./paper.ts";
import { mergePaper } from "./paper-merge.ts";

/** How an announcement listed a paper; only `new` and `cross` are recorded as announced. */
export interface Announce {
  date: string;
  type: AnnounceType;
}

/** What upsert did, so the ingest can count what it stored. */
export type UpsertResult = "inserted" | "updated" | "unchanged";

export const IngestSourceSchema = z.enum(["feed", "api", "file"]);

/** One ingested announcement day: the proof that the day is done. */
export const IngestRunSchema = z.object({
  announceDate: IsoDateSchema,
  categories: z.array(z.string()),
  newCount: z.number().int().nonnegative(),
  crossCount: z.number().int().nonnegative(),
  replaceCount: z.number().int().nonnegative(),
  source: IngestSourceSchema,
  finishedAt: z.string(),
});
export type IngestRun = z.infer<typeof IngestRunSchema>;

/** The columns of a paper's row that make up a Paper (what `paperOfRow` reads). */
export interface PaperColumns {
  id: string;
  version: number;
  title: string;
  abstract: string;
  authors: string;
  primary_category: string;
  categories: string;
  comment: string | null;
  journal_ref: string | null;
  doi: string | null;
  published: string | null;
  updated: string | null;
  code_url: string | null;
  announce_date: string | null;
  announce_type: string | null;
}

interface PaperRow extends PaperColumns {
  fts_rowid: number | null;
  created_at: string;
  updated_at: string;
}

interface IngestRunRow {
  announce_date: string;
  categories: string;
  new_count: number;
  cross_count: number;
  replace_count: number;
  source: string;
  finished_at: string;
}

const PAPER_COLUMNS = `id, version, title, abstract, authors, primary_category, categories, comment,
  journal_ref, doi, published, updated, code_url, fts_rowid, announce_date, announce_type,
  created_at, updated_at`;

/** The metadata columns: what "the stored paper changed" is measured on. */
type PaperValues = Omit<PaperRow, "fts_rowid" | "created_at" | "updated_at">;

/** insertPaper's parameters, in the order of its column list. */
type InsertPaperArgs = [
  id: string,
  version: number,
  title: string,
  abstract: string,
  authors: string,
  primaryCategory: string,
  categories: string,
  comment: string | null,
  journalRef: string | null,
  doi: string | null,
  published: string | null,
  updated: string | null,
  codeUrl: string | null,
  ftsRowid: number | bigint,
  announceDate: string | null,
  announceType: string | null,
  createdAt: string,
  updatedAt: string,
];

function toValues(paper: Paper, announceDate: string | null, announceType: string | null) {
  return {
    id: paper.id,
    version: paper.version,
    title: paper.title,
    abstract: paper.abstract,
    authors: JSON.stringify(paper.authors),
    primary_category: paper.primaryCategory,
    categories: JSON.stringify(paper.categories),
    comment: paper.comment,
    journal_ref: paper.journalRef,
    doi: paper.doi,
    published: paper.published,
    updated: paper.updated,
    code_url: paper.codeUrl,
    announce_date: announceDate,
    announce_type: announceType,
  } satisfies PaperValues;
}

function sameValues(a: PaperValues, b: PaperValues): boolean {
  return (Object.keys(a) as Array<keyof PaperValues>).every((k) => a[k] === b[k]);
}

/**
 * A paper row's columns as the fields of a Paper, not yet validated: callers parse them with
 * PaperSchema (the papers store strictly, a report's listing skipping a row that no longer fits).
 */
export function paperFields(row: PaperColumns): Record<keyof Paper, unknown> {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    abstract: row.abstract,
    authors: JSON.parse(row.authors),
    primaryCategory: row.primary_category,
    categories: JSON.parse(row.categories),
    comment: row.comment,
    journalRef: row.journal_ref,
    doi: row.doi,
    published: row.published,
    updated: row.updated,
    announceDate: row.announce_date,
    announceType: row.announce_type,
    codeUrl: row.code_url,
  };
}

/** A row back into a Paper, through the schema: a corrupt row fails loudly, not downstream. */
function fromRow(row: PaperRow): Paper {
  return PaperSchema.parse(paperFields(row));
}

const ANNOUNCED_TYPES: ReadonlySet<AnnounceType> = new Set(["new", "cross"]);

export class PaperStore {
  private readonly selectOne;
  private readonly selectMany;
  private readonly insertPaper;
  private readonly updatePaper;
  private readonly insertFts;
  private readonly updateFts;
  private readonly setFtsRowid;
  private readonly insertAnnouncement;
  private readonly selectAnnounced;
  private readonly selectLatestDate;
  private readonly upsertRun;
  private readonly selectRun;

  constructor(private readonly db: Db) {
    this.selectOne = db.prepare<[string], PaperRow>(
      `SELECT ${PAPER_COLUMNS} FROM papers WHERE id = ?`,
    );
    this.selectMany = db.prepare<[string], PaperRow>(
      `SELECT ${PAPER_COLUMNS} FROM papers WHERE id IN (SELECT value FROM json_each(?))`,
    );
    // Positional parameters: an ingest inserts thousands of rows, and binding 18 named ones
    // costs a few µs a row (a lookup by name each), ~5% of storing a 2,000-paper response.
    this.insertPaper = db.prepare<InsertPaperArgs>(
      `INSERT INTO papers (id, version, title, abstract, authors, primary_category, categories,
         comment, journal_ref, doi, published, updated, code_url, fts_rowid, announce_date,
         announce_type, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updatePaper = db.prepare<[PaperValues & { now: string }]>(
      `UPDATE papers SET version = @version, title = @title, abstract = @abstract,
         authors = @authors, primary_category = @primary_category, categories = @categories,
         comment = @comment, journal_ref = @journal_ref, doi = @doi, published = @published,
         updated = @updated, code_url = @code_url, announce_date = @announce_date,
         announce_type = @announce_type, updated_at = @now
       WHERE id = @id`,
    );
    this.insertFts = db.prepare<[string, string, string]>(
      "INSERT INTO search_fts (paper_id, title, abstract) VALUES (?, ?, ?)",
    );
    this.updateFts = db.prepare<[string, string, number]>(
      "UPDATE search_fts SET title = ?, abstract = ? WHERE rowid = ?",
    );
    this.setFtsRowid = db.prepare<[number | bigint, string]>(
      "UPDATE papers SET fts_rowid = ? WHERE id = ?",
    );
    this.insertAnnouncement = db.prepare<[string, string, string]>(
      "INSERT OR IGNORE INTO announcements (announce_date, paper_id, type) VALUES (?, ?, ?)",
    );
    this.selectAnnounced = db.prepare<[string], PaperRow>(
      `SELECT ${PAPER_COLUMNS.replace(/(\w+)/g, "p.$1")}
       FROM announcements AS a JOIN papers AS p ON p.id = a.paper_id
       WHERE a.announce_date = ?
       ORDER BY a.type = 'cross', p.id`,
    );
    this.selectLatestDate = db
      .prepare<[], string | null>("SELECT max(announce_date) FROM announcements")
      .pluck();
    this.upsertRun = db.prepare<[IngestRunRow]>(
      `INSERT INTO ingest_runs (announce_date, categories, new_count, cross_count, replace_count,
         source, finished_at)
       VALUES (@announce_date, @categories, @new_count, @cross_count, @replace_count, @source,
         @finished_at)
       ON CONFLICT (announce_date) DO UPDATE SET categories = excluded.categories,
         new_count = excluded.new_count, cross_count = excluded.cross_count,
         replace_count = excluded.replace_count, source = excluded.source,
         finished_at = excluded.finished_at`,
    );
    this.selectRun = db.prepare<[string], IngestRunRow>(
      "SELECT * FROM ingest_runs WHERE announce_date = ?",
    );
  }

  /**
   * Stores a paper. A new paper is inserted; a stored one is merged with it (see mergePaper:
   * a newer version updates the row, an older one only fills gaps) and written only when
   * something changed. The first announcement is kept: `announce` (new or cross) sets the
   * paper's announce date only when it has none, and is recorded in `announcements`; a
   * `replace` announce records nothing. The paper's own announceDate/announceType are
   * ignored: the store owns them.
   */
  upsert(paper: Paper, announce?: Announce): UpsertResult {
    const announced = announce && ANNOUNCED_TYPES.has(announce.type) ? announce : undefined;
    return this.transaction(() => {
      const row = this.selectOne.get(paper.id);
      let result: UpsertResult;
      if (!row) {
        const v = toValues(paper, announced?.date ?? null, announced?.type ?? null);
        const fts = this.insertFts.run(paper.id, paper.title, paper.abstract);
        const now = nowIso();
        this.insertPaper.run(
          v.id,
          v.version,
          v.title,
          v.abstract,
          v.authors,
          v.primary_category,
          v.categories,
          v.comment,
          v.journal_ref,
          v.doi,
          v.published,
          v.updated,
          v.code_url,
          fts.lastInsertRowid,
          v.announce_date,
          v.announce_type,
          now,
          now,
        );
        result = "inserted";
      } else {
        const stored = fromRow(row);
        const merged = mergePaper(stored, { ...paper, announceDate: null, announceType: null });
        const values = toValues(
          merged,
          row.announce_date ?? announced?.date ?? null,
          row.announce_type ?? announced?.type ?? null,
        );
        if (sameValues(values, row)) {
          result = "unchanged";
        } else {
          this.updatePaper.run({ ...values, now: nowIso() });
          this.syncFts(row, merged);
          result = "updated";
        }
      }
      if (announced) this.insertAnnouncement.run(announced.date, paper.id, announced.type);
      return result;
    });
  }

  private syncFts(row: PaperRow, paper: Paper): void {
    if (row.title === paper.title && row.abstract === paper.abstract && row.fts_rowid !== null) {
      return;
    }
    if (
      row.fts_rowid !== null &&
      this.updateFts.run(paper.title, paper.abstract, row.fts_rowid).changes > 0
    ) {
      return;
    }
    const fts = this.insertFts.run(paper.id, paper.title, paper.abstract);
    this.setFtsRowid.run(fts.lastInsertRowid, paper.id);
  }

  get(id: string): Paper | null {
    const row = this.selectOne.get(id);
    return row ? fromRow(row) : null;
  }

  /** The stored papers among `ids`, in the order of `ids`; missing ids are left out. */
  getMany(ids: readonly string[]): Paper[] {
    if (ids.length === 0) return [];
    const byId = new Map(this.selectMany.all(JSON.stringify(ids)).map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [fromRow(row)] : [];
    });
  }

  /**
   * The papers an announcement listed as new or cross (new first, then by id). A paper's
   * announceDate/announceType stay those of its first announcement.
   */
  announced(date: string): Paper[] {
    return this.selectAnnounced.all(date).map(fromRow);
  }

  /** The most recent announcement day with any paper stored, or null on an empty store. */
  latestAnnounceDate(): string | null {
    return this.selectLatestDate.get() ?? null;
  }

  recordIngestRun(run: Omit<IngestRun, "finishedAt"> & { finishedAt?: string }): void {
    const valid = IngestRunSchema.parse({ ...run, finishedAt: run.finishedAt ?? nowIso() });
    this.upsertRun.run({
      announce_date: valid.announceDate,
      categories: valid.categories.join(","),
      new_count: valid.newCount,
      cross_count: valid.crossCount,
      replace_count: valid.replaceCount,
      source: valid.source,
      finished_at: valid.finishedAt,
    });
  }

  /** The ingest run of an announcement day, or null when that day was never ingested. */
  ingestRun(date: string): IngestRun | null {
    const row = this.selectRun.get(date);
    if (!row) return null;
    return IngestRunSchema.parse({
      announceDate: row.announce_date,
      categories: row.categories.split(",").filter(Boolean),
      newCount: row.new_count,
      crossCount: row.cross_count,
      replaceCount: row.replace_count,
      source: row.source,
      finishedAt: row.finished_at,
    });
  }

  /**
   * Runs `fn` in one transaction; a throw rolls it all back. Inside an open transaction `fn`
   * simply joins it (no savepoint per call: the ingest upserts thousands of papers in one).
   */
  transaction<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }
}
