-- The outbox ledger: one row per (chat, paper) ever put in a digest. The primary key is what
-- makes "no chat ever gets the same paper twice" hold across restarts, versions and cross-lists.
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

-- One row per (chat, announcement day) digest attempt, so a scheduled digest goes out once.
CREATE TABLE deliveries (
  chat          INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  announce_date TEXT NOT NULL,
  state         TEXT NOT NULL,               -- pending | sent | empty | failed
  created_at    TEXT NOT NULL,
  finished_at   TEXT,
  PRIMARY KEY (chat, announce_date)
);
