-- Chats sudi only sends to (a Feishu webhook, an email address): where and how to reach them.
-- `settings` is the platform's own JSON (validated by its adapter) and may hold credentials
-- (a webhook URL, a signing secret), so it is never logged. `inactive_reason` says, in Chinese,
-- why the platform deactivated the chat (shown by `sudi chats list`).
CREATE TABLE chat_endpoints (
  chat            INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
  settings        TEXT NOT NULL,
  inactive_reason TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
