-- Deep-read cards (深读) and /ask answers, both written from a paper's full text: one LLM call
-- per paper version (per question for answers), prompt version and model, like `cards`.
-- Their tokens go into llm_usage with every other call, so they share the daily budget.
CREATE TABLE deep_cards (
  paper_id           TEXT NOT NULL REFERENCES papers (id),
  version            INTEGER NOT NULL,
  prompt_version     TEXT NOT NULL,
  model              TEXT NOT NULL,
  card               TEXT NOT NULL,
  prompt_tokens      INTEGER NOT NULL,
  completion_tokens  INTEGER NOT NULL,
  created_at         TEXT NOT NULL,
  PRIMARY KEY (paper_id, version, prompt_version, model)
);

CREATE TABLE deep_answers (
  paper_id           TEXT NOT NULL REFERENCES papers (id),
  version            INTEGER NOT NULL,
  -- the question, NFKC-folded, lower-cased and with spaces collapsed
  question           TEXT NOT NULL,
  prompt_version     TEXT NOT NULL,
  model              TEXT NOT NULL,
  answer             TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  PRIMARY KEY (paper_id, version, question, prompt_version, model)
);

-- New (uncached) deep reads and questions per user and per chat per UTC day.
CREATE TABLE deep_quota (
  day    TEXT NOT NULL,
  -- "deep:user:telegram:42", "ask:chat:17"
  key    TEXT NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (day, key)
);
