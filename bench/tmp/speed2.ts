import { rmSync } from "node:fs";
import { ChatStore } from "../../src/store/chats.ts";
import { openDatabase } from "../../src/store/db.ts";
import { DeliveryStore } from "../../src/store/deliveries.ts";
import { OutboxStore } from "../../src/store/outbox.ts";

for (const f of ["", "-wal", "-shm"]) rmSync("/tmp/st/s2.db" + f, { force: true });
const db = openDatabase("/tmp/st/s2.db");
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
const t: Record<string, number> = {};
const time = (k: string, f: () => void) => {
  const s = performance.now();
  f();
  t[k] = (t[k] ?? 0) + performance.now() - s;
};
for (let d = 0; d < 5; d++) {
  const day = `2024-02-${String(d + 10)}`;
  const papers = Array.from(
    { length: 30 },
    (_, k) => `2402.${String(d * 100 + k).padStart(5, "0")}`,
  );
  for (const c of ids) {
    time("reserve", () => outbox.reserve(c, day, papers, `b${c}`));
    time("begin", () =>
      deliveries.beginDelivery(c, day, `b${c}`, [{ blocks: [] }, { blocks: [] }]),
    );
    time("part1", () => deliveries.partSent(c, day, 0, 2, papers.slice(0, 15), "1"));
    time("part2", () => deliveries.partSent(c, day, 1, 2, papers.slice(15), "2"));
  }
}
for (const [k, v] of Object.entries(t)) console.log(k, ((v * 1000) / 10000).toFixed(1), "µs");
