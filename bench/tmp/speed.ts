import { rmSync } from "node:fs";
import { ChatStore } from "/work/wt/store/src/store/chats.ts";
import { openDatabase } from "/work/wt/store/src/store/db.ts";
import { DeliveryStore } from "/work/wt/store/src/store/deliveries.ts";
import { OutboxStore } from "/work/wt/store/src/store/outbox.ts";

rmSync("/tmp/st/s.db", { force: true });
rmSync("/tmp/st/s.db-wal", { force: true });
const db = openDatabase("/tmp/st/s.db");
const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
const outbox = new OutboxStore(db);
const deliveries = new DeliveryStore(db, outbox);
const ids: number[] = [];
db.transaction(() => {
  for (let i = 0; i < 2000; i++)
    ids.push(
      chats.ensure({ platform: "telegram", chatId: String(-i - 1), type: "group", title: "g" }).id,
    );
})();
let t = performance.now();
for (let d = 0; d < 10; d++) {
  const day = `2024-01-${String(d + 10)}`;
  const papers = Array.from(
    { length: 30 },
    (_, k) => `2401.${String(d * 100 + k).padStart(5, "0")}`,
  );
  db.transaction(() => {
    for (const c of ids) outbox.recordSent(c, day, papers);
  })();
}
console.log("recordSent µs", ((performance.now() - t) * 1000) / 20000);
t = performance.now();
for (let d = 0; d < 5; d++) {
  const day = `2024-02-${String(d + 10)}`;
  const papers = Array.from(
    { length: 30 },
    (_, k) => `2402.${String(d * 100 + k).padStart(5, "0")}`,
  );
  db.transaction(() => {
    for (const c of ids) {
      outbox.reserve(c, day, papers, `b${c}`);
      deliveries.beginDelivery(c, day, `b${c}`, [{ blocks: [] }, { blocks: [] }]);
      deliveries.partSent(c, day, 0, 2, papers.slice(0, 15), "1");
      deliveries.partSent(c, day, 1, 2, papers.slice(15), "2");
    }
  })();
}
console.log("full path µs", ((performance.now() - t) * 1000) / 10000);
