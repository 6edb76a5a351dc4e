-- A counter per chat that every change of its votes or stars moves on. The learned ranking
-- compares it with the one its stored model was trained at: one primary-key read per chat
-- instead of counting and scanning the chat's votes and stars for a fingerprint.
CREATE TABLE vote_versions (
  chat    INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
  version INTEGER NOT NULL
);
