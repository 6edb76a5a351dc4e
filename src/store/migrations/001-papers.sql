-- Papers, keyed by arXiv id without version; the newest version we have is a column.
CREATE TABLE papers (
  id               TEXT PRIMARY KEY,
  version          INTEGER NOT NULL,
  title            TEXT NOT NULL,
  abstract         TEXT NOT NULL,
  authors          TEXT NOT NULL,            -- JSON [{name, affiliations}]
  primary_category TEXT NOT NULL,
  categories       TEXT NOT NULL,            -- JSON ["cs.CL", ...]
  comment          TEXT,
  journal_ref      TEXT,
  doi              TEXT,
  published        TEXT,
  updated          TEXT,
  code_url         TEXT,
  fts_rowid        INTEGER,                  -- rowid of this paper's title/abstract row in search_fts
  announce_date    TEXT,                     -- first announcement (YYYY-MM-DD), kept on updates
  announce_type    TEXT,                     -- new | cross, of that first announcement
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX papers_announce_date ON papers (announce_date);

-- What each announcement day listed: one row per (day, paper), new or cross.
CREATE TABLE announcements (
  announce_date TEXT NOT NULL,
  paper_id      TEXT NOT NULL REFERENCES papers (id),
  type          TEXT NOT NULL,
  PRIMARY KEY (announce_date, paper_id)
);
CREATE INDEX announcements_paper ON announcements (paper_id);

-- One row per ingested announcement day: how we know a day is done.
CREATE TABLE ingest_runs (
  announce_date TEXT PRIMARY KEY,
  categories    TEXT NOT NULL,               -- comma list the feed covered
  new_count     INTEGER NOT NULL,
  cross_count   INTEGER NOT NULL,
  replace_count INTEGER NOT NULL,
  source        TEXT NOT NULL,               -- feed | api | file
  finished_at   TEXT NOT NULL
);

-- Full-text search over titles, abstracts and Chinese card text. The trigram tokenizer works
-- for Chinese (no word segmentation needed); queries under three characters fall back to LIKE.
-- The ingest writes one row per paper (title, abstract) and finds it again by papers.fts_rowid;
-- it never touches `card`, which the summariser writes (in that row or a row of its own).
CREATE VIRTUAL TABLE search_fts USING fts5 (
  paper_id UNINDEXED,
  title,
  abstract,
  card,
  tokenize = 'trigram'
);
-- FTS5 buffers new index terms in memory and writes them out as a segment whenever the buffer
-- passes 'hashsize' (default 1 MB); every few segments are merged again. An ingest of 2,000
-- papers produces ~10 MB of trigram terms in one transaction: with a 16 MB buffer they are
-- written once, at commit, instead of as ~10 segments merged along the way (~15% less work).
-- The buffer only holds what one transaction added; small writes (cards) are unaffected.
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 16777216);
