-- Cards: one per (paper, version, prompt version, model). Fallback cards use model 'fallback'.
CREATE TABLE cards (
  paper_id          TEXT NOT NULL REFERENCES papers (id),
  version           INTEGER NOT NULL,
  prompt_version    TEXT NOT NULL,
  model             TEXT NOT NULL,
  fallback          INTEGER NOT NULL DEFAULT 0,
  card              TEXT NOT NULL,           -- JSON, validated by the Card schema on read
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (paper_id, version, prompt_version, model)
);

-- Tokens spent per UTC day, for the daily budget.
CREATE TABLE llm_usage (
  day               TEXT PRIMARY KEY,
  calls             INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0
);

-- Each paper's card text has a search_fts row of its own (paper_id and card only), next to the
-- ingest's title/abstract row: writing a short row is cheap, and neither side touches the
-- other's row. This finds that row again.
CREATE TABLE card_search (
  paper_id  TEXT PRIMARY KEY REFERENCES papers (id),
  fts_rowid INTEGER NOT NULL
);
