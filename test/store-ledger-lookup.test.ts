import { describe, expect, it } from "vitest";
import { packedHas, packIds } from "../src/store/outbox.ts";
import { PaperStore } from "../src/store/papers.ts";
import { GROUP, paper } from "./commands-setup.ts";
import { stores } from "./helpers/delivery.ts";

describe("looking up the packed sent ledger", () => {
  it("finds an id only whole between commas", () => {
    const day = packIds(["2404.00002", "2404.000012", "2404.00001"]);
    expect(day).toBe("2404.00001,2404.000012,2404.00002");
    expect(packedHas(day, "2404.00001")).toBe(true);
    expect(packedHas(day, "2404.000012")).toBe(true);
    expect(packedHas(day, "2404.00002")).toBe(true);
    expect(packedHas(day, "2404.0000")).toBe(false);
    expect(packedHas(day, "404.00002")).toBe(false);
    expect(packedHas(day, "")).toBe(false);
    expect(packedHas("2404.00001", "2404.00001")).toBe(true);
  });

  it("counts sent ids of any kept day and ids in flight, not failed ones, per chat", () => {
    const s = stores();
    const chat = s.chats.ensure(GROUP);
    const other = s.chats.ensure({ ...GROUP, chatId: "-100999" });
    s.outbox.recordSent(chat.id, "2024-04-23", ["2404.00001", "2404.00002"]);
    s.outbox.recordSent(chat.id, "2024-04-24", ["2404.00003"]);
    s.outbox.reserve(chat.id, "2024-04-24", ["2404.00004", "2404.00005"], "b1");
    s.outbox.markFailed(chat.id, ["2404.00005"]);
    const asked = ["2404.00001", "2404.00003", "2404.00004", "2404.00005", "2404.00006"];
    expect(s.outbox.sentAmong(chat.id, asked)).toEqual(
      new Set(["2404.00001", "2404.00003", "2404.00004"]),
    );
    expect(s.outbox.sentAmong(other.id, asked)).toEqual(new Set());
    expect(s.outbox.sentAmong(chat.id, [])).toEqual(new Set());
  });

  it("counts papers first announced before the kept window, also when the date came later", () => {
    const s = stores();
    const papers = new PaperStore(s.db);
    const chat = s.chats.ensure(GROUP);
    papers.upsert(paper("2403.00001"), { date: "2024-03-01", type: "new" });
    papers.upsert(paper("2404.00001"), { date: "2024-04-24", type: "new" });
    // stored without an announcement (a /paper lookup): no date yet
    papers.upsert(paper("2403.00002"));
    const asked = ["2403.00001", "2403.00002", "2404.00001"];
    // no window yet: nothing counts as old
    expect(s.outbox.sentAmong(chat.id, asked)).toEqual(new Set());
    s.outbox.compact("2024-04-01");
    expect(s.outbox.sentAmong(chat.id, asked)).toEqual(new Set(["2403.00001"]));
    // an announcement ingested late gives the paper its first date, before the window
    papers.upsert(paper("2403.00002"), { date: "2024-03-02", type: "new" });
    expect(s.outbox.sentAmong(chat.id, asked)).toEqual(new Set(["2403.00001", "2403.00002"]));
  });
});
