import { describe, expect, it } from "vitest";
import { ARXIV_CALENDAR, mailingDates, parsePeriod } from "../src/reports/period.ts";
import { PRIVATE_CHAT, reportsSetup } from "./helpers/reports.ts";

const GROUP = {
  platform: "telegram" as const,
  chatId: "-100777",
  type: "group" as const,
  title: "群",
};

function seededWeek() {
  const s = reportsSetup({ chart: false, now: new Date("2024-04-29T03:00:00Z") });
  mailingDates(parsePeriod("2024-W17"), ARXIV_CALENDAR).forEach((date, i) => {
    s.seed(date, [
      { id: `2404.1${i}001`, topic: "agent", score: 4 },
      { id: `2404.1${i}002`, topic: "text-to-video", score: 3 },
    ]);
  });
  return s;
}

describe("/setfreq, /report, /list and /setformat 表格", () => {
  it("/setfreq takes 日报, 周报, 月报 and combinations with +, and says when each comes next", async () => {
    const s = reportsSetup({ now: new Date("2024-04-24T12:00:00Z") });
    const reply = await s.say("/setfreq 日报+月报");
    expect(reply).toContain("之后会收到：日报、月报");
    expect(reply).toContain("下次月报：");
    const chat = s.chats.find("telegram", "42");
    expect(s.reportStore.settings(chat?.id ?? 0).frequency).toEqual(["daily", "monthly"]);
    await s.say("/setfreq 周报");
    expect(s.reportStore.settings(chat?.id ?? 0).frequency).toEqual(["weekly"]);
    expect(s.reportStore.chatsWithoutDaily().has(chat?.id ?? 0)).toBe(true);
    const list = await s.say("/list");
    expect(list).toContain("推送频率：周报");
    expect(list).toContain("下次周报：");
    expect(list).toContain("下次周报：2024-04-29 09:00");
    expect(list).not.toContain("下次推送："); // no daily digest any more
    // bad input changes nothing
    for (const bad of ["", "年报", "日报+年报", "日报+周报+月报+日报", "<b>周报</b>"]) {
      expect(await s.say(`/setfreq ${bad}`), bad).toContain("用法：/setfreq");
    }
    expect(s.reportStore.settings(chat?.id ?? 0).frequency).toEqual(["weekly"]);
  });

  it("/setfreq in a group is for its administrators", async () => {
    const s = reportsSetup();
    const replies = await s.bot.handle({
      chat: GROUP,
      userId: "5",
      text: "/setfreq 月报",
      isAdmin: async () => false,
    });
    expect(JSON.stringify(replies)).toContain("管理员");
    const chat = s.chats.find("telegram", GROUP.chatId);
    expect(s.reportStore.settings(chat?.id ?? 0).frequency).toEqual(["daily"]);
  });

  it("/report 周报 shows the last complete week; /report 周报 2024-W17 a given one; bad periods are explained", async () => {
    const s = seededWeek();
    await s.say("/subscribe 智能体");
    const latest = await s.say("/report 周报");
    expect(latest).toContain("论文周报 · 2024年第17周");
    expect(latest).toContain("其中 5 篇匹配订阅");
    const named = await s.say("/report 周报 2024-W17");
    expect(named).toContain("📂 智能体(Agent)（5 篇）");
    expect(await s.say("/report 月报 2024-W17")).toContain("周报请写成 2024-W17");
    expect(await s.say("/report 周报 2024-W99")).toContain("看不懂期数");
    expect(await s.say("/report")).toContain("用法：/report");
    expect(await s.say("/report 年报")).toContain("用法：/report");
    // a week the store never saw says so; a week still ahead says when it comes
    expect(await s.say("/report 周报 2024-W10")).toContain("还没有收录 2024年第10周");
    expect(await s.say("/report 周报 2024-W19")).toContain(
      "还没有结束，报告会在结束后的第一天送达",
    );
  });

  it("/setformat 表格 makes roll-ups a numbered TL;DR list; /setformat 标题 switches back", async () => {
    const s = seededWeek();
    await s.say("/subscribe 智能体");
    expect(await s.say("/setformat 表格")).toContain("表格（TL;DR）");
    const table = await s.say("/report 周报 2024-W17");
    expect(table).toMatch(/1\. 2404\.1\d001 \S+ 中文标题 2404\.1\d001 — /);
    expect(await s.say("/list")).toContain("推送频率：日报");
    await s.say("/setfreq 日报+周报");
    expect(await s.say("/list")).toContain("周报/月报格式：表格（TL;DR）");
    expect(await s.say("/setformat 标题")).toContain("标题 + 两三句摘要");
    expect(await s.say("/report 周报 2024-W17")).toContain("【Li 等");
    // the daily digest's density is untouched by the report layout
    expect(s.chats.find("telegram", PRIVATE_CHAT.chatId)?.density).toBe("full");
  });

  it("/report without subscriptions asks for one", async () => {
    const s = seededWeek();
    expect(await s.say("/report 周报 2024-W17")).toContain("还没有订阅任何主题");
  });
});
