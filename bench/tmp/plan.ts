import { openDatabase } from "../../src/store/db.ts";

const db = openDatabase("/tmp/st/s.db");
for (const sql of [
  `SELECT announce_date, paper_id FROM outbox WHERE chat = 1 AND state = 'pending' AND paper_id IN (SELECT value FROM json_each('["a"]'))`,
  `SELECT paper_id FROM outbox WHERE chat = 1 AND state = 'pending' AND paper_id IN (SELECT value FROM json_each('["a"]'))`,
  `SELECT id FROM papers WHERE id IN (SELECT value FROM json_each('["a"]')) AND announce_date < (SELECT value FROM schedule_state WHERE key = 'x')`,
  `DELETE FROM outbox WHERE chat = 1 AND state = 'pending' AND paper_id IN (SELECT value FROM json_each('["a"]'))`,
])
  console.log(
    db
      .prepare("EXPLAIN QUERY PLAN " + sql)
      .all()
      .map((r: any) => r.detail)
      .join(" | "),
  );
