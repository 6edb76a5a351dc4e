-- 周报 / 月报: which roll-ups a chat receives, since when (a report is owed only for periods
-- whose delivery moment came after the chat asked for it), and their layout.
ALTER TABLE chats ADD COLUMN frequency TEXT NOT NULL DEFAULT 'daily';  -- daily+weekly+monthly, any non-empty subset
ALTER TABLE chats ADD COLUMN frequency_since TEXT;                    -- ISO instant of the last change
ALTER TABLE chats ADD COLUMN report_format TEXT NOT NULL DEFAULT 'headlines'; -- headlines | table

-- Popularity signals fetched from outside arXiv (Hugging Face upvotes per paper, GitHub stars
-- per repository), cached so a report never asks twice within a day. value NULL: the source
-- answered that it does not know the key (no such repository, paper not listed).
CREATE TABLE popularity (
  source     TEXT NOT NULL,                 -- hf | github | hf-day
  key        TEXT NOT NULL,                 -- arXiv id, owner/repo, or a YYYY-MM-DD listing
  value      INTEGER,
  fetched_at TEXT NOT NULL,
  PRIMARY KEY (source, key)
);
