-- The outbox ledger: one row per (chat, paper) ever put in a digest. The primary key is what
-- makes "no chat ever gets the same paper twice" hold across restarts, versions and cross-lists.
-- A row is written as pending BEFORE the message that carries it is sent, and marked sent with
-- the platform's message id once the platform confirmed it.
CREATE TABLE outbox (
  chat          INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL,
  announce_date TEXT NOT NULL,
  state         TEXT NOT NULL,               -- pending | sent | failed
  batch         TEXT NOT NULL,               -- the digest (delivery) this row belongs to
  message_id    TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL,
  sent_at       TEXT,
  PRIMARY KEY (chat, paper_id)
);
CREATE INDEX outbox_pending ON outbox (state) WHERE state = 'pending';

-- One row per (chat, announcement day) scheduled digest, so it goes out once. While pending it
-- keeps the split parts (JSON) and how many were confirmed, so a restart resumes exactly after
-- the last confirmed part; the parts are dropped once the digest is finished.
CREATE TABLE deliveries (
  chat            INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  announce_date   TEXT NOT NULL,
  state           TEXT NOT NULL,             -- pending | sent | empty | failed | gone
  batch           TEXT,
  parts           TEXT,                      -- JSON RichMessage[] while pending
  parts_sent      INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  error           TEXT,
  created_at      TEXT NOT NULL,
  finished_at     TEXT,
  PRIMARY KEY (chat, announce_date)
);
CREATE INDEX deliveries_pending ON deliveries (state) WHERE state = 'pending';

-- The scheduler's own progress per announcement day: when summarising finished (the day is
-- then ready to deliver) and when ingest gave up, so a restart neither repeats nor forgets.
CREATE TABLE schedule_days (
  announce_date  TEXT PRIMARY KEY,
  summarised_at  TEXT,
  ingest_failed_at TEXT,
  note           TEXT
);

-- Small key/value state of the running daemon (heartbeat for the container HEALTHCHECK).
CREATE TABLE schedule_state (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
