import { describe, expect, it } from "vitest";
import { addChats, stores } from "./helpers/delivery.ts";

const DAY = "2024-04-24";

function setup() {
  const s = stores();
  const [chat, other] = addChats(s.chats, 2);
  if (!chat || !other) throw new Error("no chats");
  return { ...s, chat: chat.id, other: other.id };
}

describe("OutboxStore", () => {
  it("counts pending (in flight) and sent papers as taken, failed ones as free", () => {
    const { outbox, chat } = setup();
    outbox.reserve(chat, DAY, ["a", "b", "c"], "b1");
    outbox.markSent(chat, ["a"]);
    outbox.markFailed(chat, ["c"]);
    expect(outbox.sentAmong(chat, ["a", "b", "c", "d"])).toEqual(new Set(["a", "b"]));
  });

  it("reserve skips papers another digest holds, retakes failed ones, and is per chat", () => {
    const { outbox, chat, other } = setup();
    expect(outbox.reserve(chat, DAY, ["a", "b", "c"], "b1")).toEqual(["a", "b", "c"]);
    outbox.markSent(chat, ["a"]);
    outbox.markFailed(chat, ["c"]);
    expect(outbox.reserve(chat, DAY, ["a", "b", "c", "d", "d"], "b2")).toEqual(["c", "d"]);
    expect(outbox.reserve(other, DAY, ["a"], "b3")).toEqual(["a"]);
    const c = outbox.entries(chat).find((e) => e.paperId === "c");
    expect(c).toMatchObject({ state: "pending", batch: "b2", attempts: 2 });
  });

  it("recordSent (digest on demand) inserts sent rows and never overwrites existing ones", () => {
    const { outbox, chat } = setup();
    outbox.reserve(chat, DAY, ["a"], "scheduled");
    outbox.recordSent(chat, DAY, ["a", "b"]);
    const rows = outbox.entries(chat);
    expect(rows.find((e) => e.paperId === "a")).toMatchObject({
      state: "pending",
      batch: "scheduled",
    });
    expect(rows.find((e) => e.paperId === "b")).toMatchObject({ state: "sent", batch: null });
  });

  it("markSent moves only pending rows of the chat into the sent ledger", () => {
    const { outbox, chat, other } = setup();
    outbox.reserve(chat, DAY, ["a", "b"], "b1");
    outbox.reserve(other, DAY, ["a"], "b2");
    outbox.markSent(chat, ["a"]);
    expect(outbox.entries(chat).map((e) => [e.paperId, e.state, e.batch])).toEqual([
      ["a", "sent", null],
      ["b", "pending", "b1"],
    ]);
    expect(outbox.entries(other)[0]?.state).toBe("pending");
  });

  it("closeChat drops pending rows and closes open deliveries, keeping what was sent", () => {
    const { outbox, deliveries, chat } = setup();
    outbox.transaction(() => {
      outbox.reserve(chat, DAY, ["a", "b"], "b1");
      deliveries.beginDelivery(chat, DAY, "b1", [{ blocks: [] }]);
    });
    outbox.markSent(chat, ["a"]);
    expect(deliveries.closeChat(chat)).toBe(1);
    expect(outbox.entries(chat).map((e) => e.paperId)).toEqual(["a"]);
    expect(deliveries.delivery(chat, DAY)?.state).toBe("gone");
  });

  it("releaseOrphans frees pending rows no open delivery will send", () => {
    const { outbox, deliveries, chat } = setup();
    outbox.reserve(chat, DAY, ["orphan"], "lost-batch");
    outbox.transaction(() => {
      outbox.reserve(chat, DAY, ["kept"], "b1");
      deliveries.beginDelivery(chat, DAY, "b1", [{ blocks: [] }]);
    });
    expect(outbox.releaseOrphans()).toBe(1);
    expect(outbox.pending().map((e) => e.paperId)).toEqual(["kept"]);
  });

  it("a delivery is begun once per chat and day; deferred ones come back when due", () => {
    const { deliveries, chat } = setup();
    expect(
      deliveries.beginDelivery(chat, DAY, "b1", [{ blocks: [] }], "2024-04-24T01:00:00.000Z"),
    ).toBe(true);
    expect(deliveries.beginDelivery(chat, DAY, "b1", [{ blocks: [] }])).toBe(false);
    deliveries.deferDelivery(chat, DAY, "2024-04-24T02:00:00.000Z", "503");
    expect(deliveries.unfinishedKeys("2024-04-24T01:59:59.000Z")).toEqual([]);
    expect(deliveries.unfinishedKeys("2024-04-24T02:00:00.000Z")).toEqual([
      { chat, announceDate: DAY },
    ]);
    expect(deliveries.deliveredChats(DAY)).toEqual(new Set([chat]));
  });
});
