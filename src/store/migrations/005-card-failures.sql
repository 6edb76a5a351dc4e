-- Failed card attempts per paper version, prompt version and model, so a card the LLM keeps
-- failing on is asked again at most once a day and not at all after a few failures, until the
-- prompt or the model changes (a new key) or `sudi summarise --retry-failed` asks.
CREATE TABLE card_failures (
  paper_id        TEXT NOT NULL REFERENCES papers (id),
  version         INTEGER NOT NULL,
  prompt_version  TEXT NOT NULL,
  model           TEXT NOT NULL,
  failures        INTEGER NOT NULL,
  last_failed_at  TEXT NOT NULL,
  PRIMARY KEY (paper_id, version, prompt_version, model)
);
