/**
 * Atom feeds and the links chats get into the archive: the topic and chat feeds parse cleanly
 * in a feed reader library not written for sudi (python3-feedparser, bozo == 0), hostile text
 * stays text, a chat's token comes from /feed and dies with /feed reset (admins only in a
 * group), and digests and /paper replies link to the archive when SUDI_PUBLIC_URL is set.
 * In the e2e project: the feed reader runs as a child process (/usr/bin/python3).
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatAddress } from "../src/core/address.ts";
import type { RichMessage } from "../src/core/message.ts";
import { toPlainText } from "../src/digest/render/text.ts";
import { HOSTILE_ID, startSampleArchive, type WebFixture } from "./helpers/web-archive.ts";

const PUBLIC = "https://sudi.example.org";
const GROUP: ChatAddress = {
  platform: "telegram",
  chatId: "-100777",
  type: "group",
  title: "组会 <b>",
};

interface Parsed {
  bozo: number;
  exception: string;
  title: string;
  selfLink: string;
  entries: { id: string; title: string; link: string; content: string; tags: string[] }[];
}

/** Parses Atom with python3-feedparser (the Debian package, so /usr/bin/python3). */
function feedparser(xml: string): Parsed {
  const script = `
import feedparser, json, sys
d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
  "bozo": int(d.bozo), "exception": str(d.get("bozo_exception", "")),
  "title": d.feed.get("title", ""),
  "selfLink": next((l.href for l in d.feed.get("links", []) if l.rel == "self"), ""),
  "entries": [{"id": e.id, "title": e.title, "link": e.link, "content": e.content[0].value,
               "tags": [t.term for t in e.get("tags", [])]} for e in d.entries],
}))`;
  const run = spawnSync("/usr/bin/python3", ["-c", script], { input: xml, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`feedparser failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Parsed;
}

let web: WebFixture;
const say = async (text: string, admin = true, chat = GROUP) =>
  (await web.services.bot.handle({ chat, userId: "7", text, isAdmin: async () => admin })).map(
    (m: RichMessage) => toPlainText(m),
  );

beforeAll(async () => {
  web = await startSampleArchive({ env: { SUDI_PUBLIC_URL: PUBLIC } });
});
afterAll(() => web.close());

describe("topic feed", () => {
  it("parses with bozo == 0 and lists the topic's papers with archive links", async () => {
    const res = await fetch(`${web.base}/feed/topic/text-to-video.xml`);
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const feed = feedparser(await res.text());
    expect(feed.exception).toBe("");
    expect(feed.bozo).toBe(0);
    expect(feed.title).toBe("论文速递 · 文生视频");
    expect(feed.selfLink).toBe(`${PUBLIC}/feed/topic/text-to-video.xml`);
    const ids = feed.entries.map((e) => e.id);
    expect(ids).toContain("https://arxiv.org/abs/2404.02101");
    expect(ids).toContain(`https://arxiv.org/abs/${HOSTILE_ID}`);
    const camera = feed.entries.find((e) => e.id.endsWith("2404.02101"));
    expect(camera?.link).toBe(`${PUBLIC}/paper/2404.02101`);
    expect(camera?.tags).toContain("text-to-video");
    expect(camera?.content).toContain("🎯 动机：");
  });

  it("keeps hostile titles as text: the reader sees them literally, never as markup", async () => {
    const xml = await (await fetch(`${web.base}/feed/topic/text-to-video.xml`)).text();
    expect(xml).not.toContain("\u0007");
    const hostile = feedparser(xml).entries.find((e) => e.id.endsWith(HOSTILE_ID));
    expect(hostile?.title).toBe(`恶意标题 <b>加粗</b> & "引号"`);
    // the content is HTML whose text holds the markup escaped
    expect(hostile?.content).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(hostile?.content).not.toContain("<script");
  });
});

describe("chat feed and /feed", () => {
  it("gives the chat an unguessable feed URL that parses and follows its subscriptions", async () => {
    await say("/subscribe 智能体");
    const [reply] = await say("/feed");
    const url = /https:\/\/sudi\.example\.org\/feed\/chat\/([A-Za-z0-9_-]+)\.xml/.exec(reply ?? "");
    expect(url, reply).not.toBeNull();
    const token = url?.[1] ?? "";
    // 256 random bits in base64url
    expect(token).toHaveLength(43);
    expect(await say("/feed")).toEqual([reply]); // the same URL again
    const res = await fetch(`${web.base}/feed/chat/${token}.xml`);
    expect(res.status).toBe(200);
    const feed = feedparser(await res.text());
    expect(feed.bozo).toBe(0);
    expect(feed.title).toBe("论文速递 · 组会 <b>");
    expect(feed.entries.map((e) => e.id)).toContain("https://arxiv.org/abs/2404.10775");
    expect(feed.entries.map((e) => e.id)).not.toContain("https://arxiv.org/abs/2404.02101");
  });

  it("lets only a group's admins reset the token; the old URL then 404s", async () => {
    const [before] = await say("/feed");
    const old = /chat\/([A-Za-z0-9_-]+)\.xml/.exec(before ?? "")?.[1] ?? "";
    const [refused] = await say("/feed reset", false);
    expect(refused).toContain("只有群管理员可以重置");
    expect((await fetch(`${web.base}/feed/chat/${old}.xml`)).status).toBe(200);

    const [done] = await say("/feed reset", true);
    expect(done).toContain("已重置订阅地址");
    const fresh = /chat\/([A-Za-z0-9_-]+)\.xml/.exec(done ?? "")?.[1] ?? "";
    expect(fresh).not.toBe(old);
    expect((await fetch(`${web.base}/feed/chat/${old}.xml`)).status).toBe(404);
    expect((await fetch(`${web.base}/feed/chat/${fresh}.xml`)).status).toBe(200);
  });

  it("serves a valid, empty feed to a chat without subscriptions", async () => {
    const lonely: ChatAddress = { platform: "telegram", chatId: "4242", type: "private" };
    const [reply] = await say("/feed", true, lonely);
    const token = /chat\/([A-Za-z0-9_-]+)\.xml/.exec(reply ?? "")?.[1] ?? "";
    const feed = feedparser(await (await fetch(`${web.base}/feed/chat/${token}.xml`)).text());
    expect(feed.bozo).toBe(0);
    expect(feed.entries).toEqual([]);
    expect(feed.title).toBe("论文速递 · 我的订阅");
  });

  it("answers anything else after /feed with the usage", async () => {
    expect((await say("/feed delete"))[0]).toContain("用法：/feed");
  });
});

describe("links from chats into the archive", () => {
  it("puts the day's archive page in the digest footer", async () => {
    const digest = (await say("/digest")).join("\n");
    expect(digest).toContain("🌐 网页版：本期全部论文");
    const messages = await web.services.bot.handle({
      chat: GROUP,
      userId: "7",
      text: "/digest",
      isAdmin: async () => true,
    });
    const hrefs = messages.flatMap((m) =>
      m.blocks.flatMap((b) => b.lines.flat().map((s) => s.href)),
    );
    expect(hrefs).toContain(`${PUBLIC}/d/2024-04-24`);
  });

  it("adds a button to the paper's page under a /paper card", async () => {
    const [card] = await web.services.bot.handle({
      chat: GROUP,
      userId: "7",
      text: "/paper 2404.02101",
      isAdmin: async () => true,
    });
    expect(card?.buttons).toContainEqual({ label: "🌐 网页版", url: `${PUBLIC}/paper/2404.02101` });
  });
});
