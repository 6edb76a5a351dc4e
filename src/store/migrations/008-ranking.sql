-- Personal digests (issue 14): author follows are subscriptions of kind 'author' (the kind
-- column is free text); everything else a chat or a person tells sudi about their taste
-- lives here.

-- Words that drop a paper from a chat's digest after matching.
CREATE TABLE mutes (
  chat       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  phrase     TEXT NOT NULL,                  -- folded: NFKC, lower case, simplified
  created_at TEXT NOT NULL,
  PRIMARY KEY (chat, phrase)
);

-- The least 推荐指数 a chat wants (NULL: no threshold).
ALTER TABLE chats ADD COLUMN min_score INTEGER;

-- Members of a group who told sudi something there (their own subscriptions, /mention).
CREATE TABLE members (
  chat         INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL,
  display_name TEXT,
  mention      INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (chat, user_id)
);

-- A member's own subscriptions inside a group (`/subscribe me ...`, `/follow me ...`).
CREATE TABLE member_subscriptions (
  chat       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  kind       TEXT NOT NULL,                  -- topic | category | keyword | author
  value      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (chat, user_id, kind, value)
);

-- 👍 (+1) and 👎 (-1), one per (chat, person, paper); a second press of the same takes it back.
CREATE TABLE votes (
  chat       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  paper_id   TEXT NOT NULL,
  value      INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (chat, user_id, paper_id)
);
CREATE INDEX votes_paper ON votes (chat, paper_id);

-- ⭐ 收藏: a person's saved papers (by platform and user, whichever chat they pressed it in).
-- The chat counts the star as a positive vote; the versions remember which alerts were sent.
CREATE TABLE saved (
  platform       TEXT NOT NULL,
  user_id        TEXT NOT NULL,
  paper_id       TEXT NOT NULL,
  chat           INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  version        INTEGER NOT NULL,           -- the newest version the person was told about
  had_code       INTEGER NOT NULL,           -- whether a code link was known then
  created_at     TEXT NOT NULL,
  PRIMARY KEY (platform, user_id, paper_id)
);
CREATE INDEX saved_chat ON saved (chat, paper_id);
CREATE INDEX saved_paper ON saved (paper_id);

-- Alerts about saved papers that wait for the person's line in a group's next digest.
CREATE TABLE saved_alerts (
  chat       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  paper_id   TEXT NOT NULL,
  kind       TEXT NOT NULL,                  -- version | code
  version    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (chat, user_id, paper_id, kind, version)
);

-- tf-idf features of title + abstract, hashed into a fixed number of buckets (no vocabulary
-- to store or grow): the document frequency of every bucket (one Int32 blob) and, per paper,
-- its strongest buckets (Uint32 ids) with their raw term counts (Uint8).
CREATE TABLE feature_stats (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  docs INTEGER NOT NULL,
  df   BLOB NOT NULL
);
CREATE TABLE feature_docs (
  paper_id TEXT PRIMARY KEY,
  version  INTEGER NOT NULL,
  ids      BLOB NOT NULL,
  counts   BLOB NOT NULL
);

-- One learned model per chat: the strongest weights (ids + Float32 values) and a bias.
CREATE TABLE ranking_models (
  chat       INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
  positives  INTEGER NOT NULL,
  votes_seen TEXT NOT NULL,                  -- fingerprint of the votes it was trained on
  ids        BLOB NOT NULL,
  weights    BLOB NOT NULL,
  bias       REAL NOT NULL,
  trained_at TEXT NOT NULL
);
