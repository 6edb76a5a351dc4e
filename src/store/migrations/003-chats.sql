-- Chats: a surrogate id so a Telegram group that becomes a supergroup keeps everything by
-- changing one chat_id. Platform ids are TEXT (Discord ids are 64-bit).
CREATE TABLE chats (
  id            INTEGER PRIMARY KEY,
  platform      TEXT NOT NULL,               -- telegram | discord | console
  chat_id       TEXT NOT NULL,
  type          TEXT NOT NULL,               -- private | group | channel
  title         TEXT,
  timezone      TEXT NOT NULL,
  digest_time   TEXT NOT NULL,               -- HH:MM in timezone
  paused        INTEGER NOT NULL DEFAULT 0,
  digest_limit  INTEGER NOT NULL DEFAULT 10,
  density       TEXT NOT NULL DEFAULT 'full', -- full | brief
  active        INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (platform, chat_id)
);

CREATE TABLE subscriptions (
  id         INTEGER PRIMARY KEY,
  chat       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,                  -- topic | category | keyword
  value      TEXT NOT NULL,                  -- topic id, arXiv category, or lower-cased phrase
  added_by   TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (chat, kind, value)
);
