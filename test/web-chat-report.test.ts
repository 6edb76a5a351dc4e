/**
 * A chat's own 周报/月报 on the web, reached through its feed token: the summary message of a
 * long report links to it (each chat to its own page, even when chats share one built report),
 * the page shows that chat's selection in its format and nothing of another chat's, and an
 * unknown, malformed or reset token is the archive's one 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RichMessage } from "../src/core/message.ts";
import { silentLogger } from "../src/log.ts";
import { ARXIV_CALENDAR, mailingDates, parsePeriod } from "../src/reports/period.ts";
import { ReportService } from "../src/reports/service.ts";
import { ArchiveStore } from "../src/store/archive.ts";
import type { Chat } from "../src/store/chats.ts";
import { FeedTokenStore } from "../src/store/feeds.ts";
import { SearchStore } from "../src/store/search.ts";
import { startWebServer, type WebServer } from "../src/web/server.ts";
import { type ReportsSetup, reportsSetup } from "./helpers/reports.ts";

const PUBLIC = "https://sudi.example.org";
const APRIL = mailingDates(parsePeriod("2024-04"), ARXIV_CALENDAR);

let s: ReportsSetup;
let feeds: FeedTokenStore;
let service: ReportService;
let server: WebServer;
let base: string;
let agents: Chat; // 智能体, list format
let twin: Chat; // the same subscriptions as `agents`
let video: Chat; // 文生视频, table format
let empty: Chat; // a token but no subscriptions

/** Every link target in some messages. */
const hrefs = (messages: RichMessage[]) =>
  messages.flatMap((m) =>
    m.blocks.flatMap((b) => b.lines.flatMap((l) => l.flatMap((x) => (x.href ? [x.href] : [])))),
  );

function chat(id: string, topic: string | null): Chat {
  const c = s.chats.ensure({ platform: "telegram", chatId: id, type: "group", title: `组会${id}` });
  if (topic) s.subscriptions.add(c.id, "topic", topic, null);
  s.reportStore.setFrequency(c.id, ["monthly"], "2024-03-01T00:00:00Z");
  return c;
}

beforeAll(async () => {
  s = reportsSetup({ now: new Date("2024-05-01T01:00:00Z"), chart: false });
  APRIL.forEach((date, i) => {
    const n = String(i).padStart(2, "0");
    s.seed(date, [
      { id: `2404.1${n}01`, topic: "agent", title: `Agent paper ${n}` },
      { id: `2404.1${n}02`, topic: "text-to-video", title: `Video paper ${n}` },
    ]);
  });
  s.seenEmpty(...mailingDates(parsePeriod("2024-03"), ARXIV_CALENDAR));
  feeds = new FeedTokenStore(s.db);
  service = new ReportService({
    builder: s.builder,
    subscriptions: s.subscriptions,
    settings: s.reportStore,
    publicUrl: PUBLIC,
    feeds,
    chart: false,
    log: silentLogger,
  });
  agents = chat("-3001", "agent");
  twin = chat("-3002", "agent");
  video = chat("-3003", "text-to-video");
  empty = chat("-3004", null);
  s.reportStore.setFormat(video.id, "table");
  server = await startWebServer(
    {
      papers: s.papers,
      cards: s.cards,
      digests: s.digests,
      search: new SearchStore(s.db),
      archive: new ArchiveStore(s.db),
      feeds,
      chats: s.chats,
      subscriptions: s.subscriptions,
      reports: service,
      log: silentLogger,
    },
    { port: 0, host: "127.0.0.1" },
  );
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.stop();
  s?.db.close();
});

const get = (path: string) => fetch(base + path, { redirect: "manual" });

describe("the summary message's web link", () => {
  it("opens each chat's own page, even for chats sharing one built report", async () => {
    const before = feeds.ensure(video.id); // a chat that already ran /feed keeps its address
    const out = new Map<number, RichMessage[]>();
    const now = Date.parse("2024-05-01T01:00:00Z");
    for await (const r of service.due([agents, twin, video], now, () => false, "2024-04-30")) {
      out.set(r.chat.id, r.messages);
    }
    for (const c of [agents, twin, video]) {
      const links = hrefs(out.get(c.id) ?? []).filter((h) => h.startsWith(PUBLIC));
      // the token is the one /feed shows (created here when the chat never asked)
      expect(links).toEqual([`${PUBLIC}/chat/${feeds.ensure(c.id)}/report/2024-04`]);
    }
    const all = JSON.stringify([...out.values()]);
    for (const c of [agents, twin, video]) {
      expect(all.split(feeds.ensure(c.id)).length - 1).toBe(1); // in its own messages only
    }
    expect(all).not.toContain(`${PUBLIC}/report/2024-04`);
    expect(feeds.ensure(video.id)).toBe(before);
  });

  it("/report in the chat links its own page too", async () => {
    const messages = await service.forChat(agents, parsePeriod("2024-04"));
    expect(hrefs(messages).filter((h) => h.startsWith(PUBLIC))).toEqual([
      `${PUBLIC}/chat/${feeds.ensure(agents.id)}/report/2024-04`,
    ]);
  });

  it("without a public URL there is no web link at all", async () => {
    const messages = await s.reports.forChat(agents, parsePeriod("2024-04"));
    expect(hrefs(messages).filter((h) => !h.startsWith("https://arxiv.org/"))).toEqual([]);
  });
});

describe("/chat/<token>/report/<period>", () => {
  it("shows the chat's own selection, and nothing of another chat's", async () => {
    const res = await get(`/chat/${feeds.ensure(agents.id)}/report/2024-04`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>📚 论文月报 · 2024年4月</h1>");
    expect(html).toContain("「组会-3001」按自己的订阅和格式生成的报告");
    expect(html).toContain('href="/report/2024-04"'); // the public report over every topic
    expect(html).toContain("📂 智能体(Agent)（22 篇，精选 10 篇）");
    expect(html).toMatch(/https:\/\/arxiv\.org\/abs\/2404\.1\d\d01/);
    expect(html).not.toMatch(/2404\.1\d\d02/); // 文生视频 papers: another chat's selection
    expect(html).not.toContain("文/图生视频");
    expect(html).not.toContain("组会-3003");
    expect(html).not.toMatch(/<script/);
  });

  it("uses the chat's own format (the TL;DR table's numbered list) and its own papers", async () => {
    const html = await (await get(`/chat/${feeds.ensure(video.id)}/report/2024-04`)).text();
    expect(html).toMatch(/<p>1\. <a href="https:\/\/arxiv\.org\/abs\/2404\.1\d\d02"/);
    expect(html).not.toMatch(/2404\.1\d\d01/);
    expect(html).not.toContain("【");
    const agentsPage = await (await get(`/chat/${feeds.ensure(agents.id)}/report/2024-04`)).text();
    expect(agentsPage).toContain("【"); // the list format's headlines
    expect(agentsPage).not.toMatch(/<p>1\. <a/);
  });

  it("serves weeks too, and tells a chat without subscriptions how to subscribe", async () => {
    const week = await get(`/chat/${feeds.ensure(agents.id)}/report/2024-W17`);
    expect(week.status).toBe(200);
    expect(await week.text()).toContain("论文周报 · 2024年第17周");
    const none = await (await get(`/chat/${feeds.ensure(empty.id)}/report/2024-04`)).text();
    expect(none).toContain("这个聊天还没有订阅任何主题");
  });

  it("is private: kept out of shared caches, search indexes and Referer headers", async () => {
    const res = await get(`/chat/${feeds.ensure(agents.id)}/report/2024-04`);
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    expect(res.headers.get("x-robots-tag")).toBe("noindex, nofollow");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const pub = await get("/report/2024-04");
    expect(pub.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("answers an unknown, malformed or reset token, and a bad period, with the one 404", async () => {
    const notFound = await (await get("/no/such/page")).text();
    const token = feeds.ensure(twin.id);
    expect((await get(`/chat/${token}/report/2024-04`)).status).toBe(200); // now cached
    feeds.reset(twin.id);
    for (const path of [
      `/chat/${token}/report/2024-04`, // reset: the cached page is not served any more
      `/chat/${"A".repeat(43)}/report/2024-04`,
      "/chat/short/report/2024-04",
      `/chat/${feeds.ensure(agents.id)}/report/2024-13`,
      `/chat/${feeds.ensure(agents.id)}/report/2023-01`, // a month the store never saw
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe(notFound);
    }
    expect((await get(`/chat/${feeds.ensure(twin.id)}/report/2024-04`)).status).toBe(200);
  });
});
