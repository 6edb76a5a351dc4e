-- One Atom feed token per chat (/feed): 32 random bytes, base64url. The token is the only
-- authority to read a chat's feed, so it is unique and replaced by /feed reset.
CREATE TABLE feed_tokens (
  chat       INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
  token      TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
