-- The sent ledger, packed: one row per (chat, announcement day) instead of one per (chat, paper).
-- `paper_ids` holds the ids sent to the chat that day, sorted and comma-separated; once the day
-- is older than SUDI_LEDGER_RETENTION_DAYS the weekly maintenance sets it to NULL and only the
-- count stays. That is safe because a digest only carries papers of the newest announcement (a
-- paper keeps its first announce date across versions), so an old day's ids can never be
-- offered again. A row per (chat, paper) took ~164 bytes with its index: ~18 GB a year at
-- 10,000 chats x 30 papers a day; this layout takes ~0.1 GB (npm run bench -- store-size).
CREATE TABLE sent_ledger (
  chat          INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  announce_date TEXT NOT NULL,
  paper_ids     TEXT,                        -- sorted, comma-separated; NULL once compacted
  papers        INTEGER NOT NULL,            -- how many papers the chat got that day
  PRIMARY KEY (chat, announce_date)
) WITHOUT ROWID;

INSERT INTO sent_ledger (chat, announce_date, paper_ids, papers)
  SELECT chat, announce_date, group_concat(paper_id, ',' ORDER BY paper_id), count(*)
    FROM outbox WHERE state = 'sent' GROUP BY chat, announce_date;

-- The outbox keeps only what is not in the ledger: papers in flight (pending) and papers whose
-- message was refused for good (failed: a later digest may take them again).
CREATE TABLE outbox_detail (
  chat          INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL,
  announce_date TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending', 'failed')),
  batch         TEXT NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (chat, paper_id)
) WITHOUT ROWID;
INSERT INTO outbox_detail (chat, paper_id, announce_date, state, batch, attempts, created_at)
  SELECT chat, paper_id, announce_date, state, batch, attempts, created_at
    FROM outbox WHERE state IN ('pending', 'failed');
DROP TABLE outbox;
ALTER TABLE outbox_detail RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (state) WHERE state = 'pending';

-- The scheduler asks every minute which chats already have the day's delivery: without this
-- index that read scanned every delivery ever made (3 ms at 20k rows, 333 ms after a year).
CREATE INDEX deliveries_day ON deliveries (announce_date, chat);

-- The platform message ids of a delivery's confirmed parts, comma-separated (diagnostics).
ALTER TABLE deliveries ADD COLUMN message_ids TEXT;
