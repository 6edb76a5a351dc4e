import { afterEach, describe, expect, it } from "vitest";
import { TelegramSender } from "../bots/telegram/sender.ts";
import { ManualClock } from "../src/core/clock.ts";
import { plainText, type RichMessage } from "../src/core/message.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { silentLogger } from "../src/log.ts";
import { ARXIV_CALENDAR, mailingDates, parsePeriod } from "../src/reports/period.ts";
import { type Pipeline, Scheduler } from "../src/schedule/scheduler.ts";
import type { Chat } from "../src/store/chats.ts";
import { ScheduleStore } from "../src/store/schedule.ts";
import { type FakeTelegram, startFakeTelegram } from "./fakes/telegram.ts";
import { RecordingSender } from "./helpers/delivery.ts";
import { htmlProblems, type ReportsSetup, reportsSetup } from "./helpers/reports.ts";
import { waitUntil } from "./helpers/wait.ts";

const MINUTE = 60_000;
const APRIL = mailingDates(parsePeriod("2024-04"), ARXIV_CALENDAR);

/** April 2024 in the store: each day one agent paper and one video paper. */
function april(s: ReportsSetup) {
  APRIL.forEach((date, i) => {
    const n = String(i).padStart(2, "0");
    s.seed(date, [
      { id: `2404.1${n}01`, topic: "agent", score: (i % 5) + 1 },
      { id: `2404.1${n}02`, topic: "text-to-video", score: 3 },
    ]);
  });
  s.seenEmpty(...mailingDates(parsePeriod("2024-03"), ARXIV_CALENDAR));
}

/** The scheduler over the real stores; ingest and summarise do nothing (the store is seeded). */
function scheduler(s: ReportsSetup, clock: ManualClock, sender: RecordingSender | TelegramSender) {
  const pipeline: Pipeline = {
    latestIngested: () => s.papers.latestAnnounceDate(),
    ingest: async () => ({
      announceDate: s.papers.latestAnnounceDate() ?? "",
      newCount: 0,
      crossCount: 0,
    }),
    summarise: async () => ({ cards: 0, tokens: 0, failures: 0 }),
  };
  const engine = new DeliveryEngine(
    {
      outbox: s.outbox,
      deliveries: s.deliveries,
      chats: s.chats,
      senders: { telegram: sender },
      clock,
      log: silentLogger,
    },
    { backoffMs: 1 },
  );
  return new Scheduler(
    {
      clock,
      log: silentLogger,
      pipeline,
      digests: { forChats: (chats: Chat[], date: string) => s.digests.forChats(chats, date) },
      engine,
      chats: s.chats,
      deliveries: s.deliveries,
      store: new ScheduleStore(s.db),
      rollups: s.reports,
    },
    { ingestDelayMs: 0 },
  );
}

function groupChat(s: ReportsSetup, chatId: string, frequency: ("daily" | "weekly" | "monthly")[]) {
  const chat = s.chats.ensure({ platform: "telegram", chatId, type: "group", title: chatId });
  s.subscriptions.add(chat.id, "topic", "agent", null);
  s.reportStore.setFrequency(chat.id, frequency, "2024-03-01T00:00:00Z");
  return chat;
}

async function runUntil(sched: Scheduler, clock: ManualClock, to: string) {
  for (let t = clock.now(); t <= Date.parse(to); t += MINUTE) {
    await clock.advanceTo(t);
    await sched.tick();
  }
}

let tg: FakeTelegram | undefined;
afterEach(async () => {
  await tg?.close();
  tg = undefined;
});

describe("roll-up delivery", () => {
  it("a chat with 日报+月报 gets both, the 月报 as its own delivery on the 1st at its time; a 月报-only chat no daily", async () => {
    const s = reportsSetup({ chart: false, now: new Date("2024-04-30T00:30:00Z") });
    april(s);
    const both = groupChat(s, "-1001", ["daily", "monthly"]);
    const monthlyOnly = groupChat(s, "-1002", ["monthly"]);
    const clock = new ManualClock("2024-04-30T00:30:00Z");
    s.clock.now = new Date(clock.now());
    const sender = new RecordingSender(() => clock.now());
    const sched = scheduler(s, clock, sender);
    await runUntil(sched, clock, "2024-04-30T01:05:00Z");
    // 09:00 Shanghai on 30 April: the daily digest, only to the chat that wants it
    const daily = sender.to("-1001");
    expect(daily.length).toBeGreaterThan(0);
    expect(daily.flatMap((d) => d.paperIds)).toEqual(["2404.12101"]);
    expect(sender.to("-1002")).toEqual([]);
    // nothing more until 1 May 09:00 Shanghai (01:00 UTC)
    s.clock.now = new Date("2024-05-01T00:59:00Z");
    await runUntil(sched, clock, "2024-05-01T00:59:00Z");
    expect(sender.to("-1002")).toEqual([]);
    s.clock.now = new Date("2024-05-01T01:00:00Z");
    await runUntil(sched, clock, "2024-05-01T01:03:00Z");
    // March was seen but had nothing for this chat: recorded empty, never sent
    expect(s.deliveries.delivery(monthlyOnly.id, "2024-03")?.state).toBe("empty");
    for (const chat of ["-1001", "-1002"]) {
      const report = sender.to(chat).filter((d) => d.text.includes("论文月报 · 2024年4月"));
      expect(report.length, chat).toBeGreaterThan(0);
      // the 月报 carries papers the daily digest already sent: it is not a duplicate of them
      expect(report.map((d) => d.text).join("\n")).toContain(
        "本期 arXiv 共 44 篇新论文，其中 22 篇匹配订阅",
      );
    }
    expect(s.deliveries.delivery(both.id, "2024-04")?.state).toBe("sent");
    expect(s.deliveries.delivery(monthlyOnly.id, "2024-04")?.state).toBe("sent");
    // the ledger of papers is untouched by the roll-up
    expect(s.outbox.entries(monthlyOnly.id)).toEqual([]);
    expect(s.outbox.entries(both.id).map((e) => e.paperId)).toEqual(["2404.12101"]);
    // later ticks send nothing again
    const before = sender.delivered.length;
    await runUntil(sched, clock, "2024-05-01T01:10:00Z");
    expect(sender.delivered.length).toBe(before);
  });

  it("a chat that asks for 周报 after Monday's delivery time starts with the next one", async () => {
    const s = reportsSetup({ chart: false });
    april(s);
    const chat = s.chats.ensure({ platform: "telegram", chatId: "-1003", type: "group" });
    s.subscriptions.add(chat.id, "topic", "agent", null);
    s.reportStore.setFrequency(chat.id, ["weekly"], "2024-04-29T02:00:00Z"); // after 09:00 Shanghai
    const clock = new ManualClock("2024-04-29T02:01:00Z");
    s.clock.now = new Date(clock.now());
    const sender = new RecordingSender(() => clock.now());
    await runUntil(scheduler(s, clock, sender), clock, "2024-04-29T02:05:00Z");
    expect(sender.to("-1003")).toEqual([]);
  });

  it("exactly once across a crash mid-report: a restart resumes after the last confirmed part", async () => {
    const s = reportsSetup({ chart: false });
    april(s);
    groupChat(s, "-1004", ["monthly"]);
    const clock = new ManualClock("2024-05-01T01:00:00Z");
    s.clock.now = new Date(clock.now());
    const sender = new RecordingSender(() => clock.now());
    let sends = 0;
    // The second part (the HTML file) is on its way when the process dies.
    sender.onSend = () => (++sends === 2 ? new Promise<void>(() => {}) : undefined);
    const first = scheduler(s, clock, sender);
    void first.tick(); // never finishes: the crash
    await waitUntil(() => sends === 2, { what: "the second report part on its way" });
    expect(sends).toBe(2);
    expect(sender.to("-1004")).toHaveLength(1);
    const pending = s.deliveries.unfinishedKeys("2024-05-01T02:00:00Z");
    expect(pending).toHaveLength(1);
    expect(s.deliveries.delivery(pending[0]?.chat ?? 0, "2024-04")?.partsSent).toBe(1);
    // restart: a new engine and scheduler over the same database
    const resumed: RichMessage[] = [];
    sender.onSend = (_chat, part) => {
      resumed.push(part);
    };
    await clock.advanceTo(Date.parse("2024-05-01T01:01:00Z"));
    await scheduler(s, clock, sender).tick();
    const got = sender.to("-1004");
    expect(got).toHaveLength(2);
    expect(got[0]?.text).toContain("完整报告见附件 HTML 文件");
    expect(got[1]?.text).toBe("📚 论文月报 · 2024年4月"); // the HTML file's caption
    // the part resumed from the stored ledger still carries its file, intact
    expect(resumed).toHaveLength(1);
    const file = resumed[0]?.attachments?.[0];
    expect(file?.filename).toBe("sudi-2024-04.html");
    expect(htmlProblems(Buffer.from(file?.data ?? "", "base64").toString("utf8"))).toEqual([]);
    expect(s.deliveries.delivery(pending[0]?.chat ?? 0, "2024-04")?.state).toBe("sent");
    // and nothing after that
    await clock.advanceTo(Date.parse("2024-05-01T01:02:00Z"));
    await scheduler(s, clock, sender).tick();
    expect(sender.to("-1004")).toHaveLength(2);
  });

  it("on Telegram: the chart as a photo, the summary, and the full report as a valid HTML document", async () => {
    tg = await startFakeTelegram({ limits: false });
    const s = reportsSetup({ now: new Date("2024-05-01T01:00:00Z") });
    april(s);
    const chat = groupChat(s, "-1005", ["monthly"]);
    const sender = new TelegramSender({ token: tg.token, apiRoot: tg.apiRoot });
    const messages = await s.reports.forChat(chat, parsePeriod("2024-04"));
    const engine = new DeliveryEngine({
      outbox: s.outbox,
      deliveries: s.deliveries,
      chats: s.chats,
      senders: { telegram: sender },
      log: silentLogger,
    });
    const outcome = await engine.deliver({
      chat,
      announceDate: "2024-04",
      message: messages[0] ?? { blocks: [] },
      rollup: { messages },
    });
    sender.close();
    expect(outcome).toBe("sent");
    const sent = tg.sentTo(-1005);
    const photo = sent.find((m) => m.photo);
    const doc = sent.find((m) => m.document);
    expect(photo?.photo?.bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(photo?.text).toContain("各章节论文数");
    const summary = sent.find((m) => m.text.includes("论文月报 · 2024年4月") && !m.document);
    expect(summary?.text).toContain("📂 智能体(Agent)（22 篇，精选 10 篇）");
    expect(summary?.text).toContain("完整报告见附件 HTML 文件");
    expect(doc?.document?.filename).toBe("sudi-2024-04.html");
    const html = doc?.document?.bytes.toString("utf8") ?? "";
    expect(htmlProblems(html)).toEqual([]);
    expect(sent.indexOf(photo as never)).toBeLessThan(sent.indexOf(doc as never));
  });
});

describe("roll-ups of a bulk run", () => {
  it("chats with the same subscriptions share one built report; others get their own", async () => {
    const s = reportsSetup({ now: new Date("2024-05-01T01:00:00Z") });
    april(s);
    const a = groupChat(s, "-2001", ["monthly"]);
    const b = groupChat(s, "-2002", ["monthly"]);
    const c = groupChat(s, "-2003", ["monthly"]);
    s.subscriptions.add(c.id, "topic", "text-to-video", null);
    const d = groupChat(s, "-2004", ["monthly"]);
    const now = Date.parse("2024-05-01T01:00:00Z");
    const out = new Map<number, RichMessage[]>();
    for await (const r of s.reports.due([a, b, c, d], now, () => false, "2024-04-30")) {
      out.set(r.chat.id, r.messages);
    }
    const [ma, mb, mc, md] = [out.get(a.id), out.get(b.id), out.get(c.id), out.get(d.id)];
    expect(ma?.length).toBeGreaterThan(0);
    // A report is kept from the second chat with the same subscriptions on (a report no other
    // chat shares is never held): the third gets the same built messages, not a new build.
    expect(md).toBe(mb);
    expect(mc).not.toBe(mb);
    const text = (ms: RichMessage[] | undefined) => (ms ?? []).map(plainText).join("\n");
    expect(text(ma)).toBe(text(mb));
    expect(text(mc)).toContain("文/图生视频");
    expect(text(ma)).not.toContain("文/图生视频");
    // and each is what the chat's own selection gives
    const own = await s.reports.forChat(b, parsePeriod("2024-04"));
    expect(own.map(plainText)).toEqual(mb?.map(plainText));
  });
});
