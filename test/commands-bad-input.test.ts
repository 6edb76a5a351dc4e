/**
 * Every bad input gets a clear Chinese answer and changes nothing: each case below runs
 * against a chat with a subscription and settings, and the whole store is compared before and
 * after.
 */
import { describe, expect, it } from "vitest";
import { T } from "../src/core/texts/commands.ts";
import { paper, realCard, setup, snapshot } from "./commands-setup.ts";

const LONG = "a".repeat(65);

/** [what the user sends, a piece of the answer that explains the problem] */
const CASES: [string, string][] = [
  // empty and huge
  ["", "请输入命令"],
  ["/", "请输入命令"],
  ["/subscribe", "用法"],
  ["/subscribe    ", "用法"],
  ["/subscribe ,,,", "用法"],
  [`/subscribe ${LONG}`, "太长"],
  [`/subscribe ${"文".repeat(70)}`, "太长"],
  [`/subscribe ${"x".repeat(5000)}`, "消息太长"],
  [`/subscribe ${Array.from({ length: 11 }, (_, i) => `t${i}x`).join(",")}`, "一次最多"],
  ['/subscribe "a"', "太短"],
  // emoji
  ["/subscribe 🚀", "只能包含"],
  ["/subscribe 🔥🔥🔥", "只能包含"],
  ["/subscribe 文生视频🎬", "只能包含"],
  // RTL and zero-width
  ["/subscribe 文生\u200b视频", "不可见字符"],
  ["/subscribe \u202eoediv-ot-txet", "不可见字符"],
  ["/subscribe \u200f文生视频", "不可见字符"],
  ["/subscribe text\u2066to\u2069video", "不可见字符"],
  ["/subscribe مرحبا", "没有找到主题"],
  ["/subscribe שלום עולם", "没有找到主题"],
  // HTML and Markdown injection
  ["/subscribe <script>alert(1)</script>", "只能包含"],
  ["/subscribe <b>文生视频</b>", "只能包含"],
  ["/subscribe &amp;lt;", "只能包含"],
  ["/subscribe **bold**", "只能包含"],
  ["/subscribe [x](http://evil.example)", "只能包含"],
  ["/subscribe `rm -rf`", "只能包含"],
  ["/subscribe 文生视频\n/unsubscribe all", "只能包含"],
  // SQL-looking
  ["/subscribe '; DROP TABLE subscriptions; --", "只能包含"],
  ["/subscribe 1 OR 1=1", "只能包含"],
  ['/subscribe " OR ""="', "只能包含"],
  ["/unsubscribe '; DELETE FROM chats; --", "只能包含"],
  // unknown topics and categories
  ["/subscribe cs.XY", "不是 arXiv 的分类"],
  ["/subscribe 量子引力猫", "没有找到主题"],
  // /unsubscribe
  ["/unsubscribe", "用法"],
  ["/unsubscribe 0", "序号超出范围"],
  ["/unsubscribe 999", "序号超出范围"],
  ["/unsubscribe -1", "没有订阅"],
  ["/unsubscribe <script>", "只能包含"],
  ["/unsubscribe 💥", "只能包含"],
  // times
  ["/settime", "用法"],
  ["/settime 24:00", "不是有效的时间"],
  ["/settime 9:5", "不是有效的时间"],
  ["/settime 25:61", "不是有效的时间"],
  ["/settime 9", "不是有效的时间"],
  ["/settime -1:00", "不是有效的时间"],
  ["/settime 0x10:00", "不是有效的时间"],
  ["/settime 09:00 Mars/Olympus_Mons", "不是有效的时区"],
  ["/settime 09:00 <script>", "不是有效的时区"],
  ["/settime 09:00 Asia/Shanghai extra", "用法"],
  ["/settime 09:00'; DROP TABLE chats; --", "用法"],
  // limits and formats
  ["/setlimit", "用法"],
  ["/setlimit 0", "用法"],
  ["/setlimit 31", "用法"],
  ["/setlimit -5", "用法"],
  ["/setlimit 3.5", "用法"],
  ["/setlimit ten", "用法"],
  ["/setlimit ９９", "用法"],
  ["/setlimit 1e1", "用法"],
  ["/setformat", "用法"],
  ["/setformat huge", "用法"],
  ["/setformat <i>brief</i>", "用法"],
  ["/setformat constructor", "用法"],
  ["/setformat __proto__", "用法"],
  ["/pause now", "不需要参数"],
  ["/resume please", "不需要参数"],
  ["/digest now", "不需要参数"],
  // invalid paper ids
  ["/paper", "用法"],
  ["/paper 🚀", "不是有效的 arXiv id"],
  ["/paper javascript:alert(1)", "不是有效的 arXiv id"],
  ["/paper 2404.14469; DROP TABLE papers", "不是有效的 arXiv id"],
  ["/paper https://evil.example/abs/2404.14469", "不是有效的 arXiv id"],
  [`/paper ${"1".repeat(300)}`, "不是有效的 arXiv id"],
  // search
  ["/search", "用法"],
  ["/search 🚀🚀", "没有可用的文字"],
  ["/search \u200b\u200b", "没有可用的文字"],
  [`/search ${"x".repeat(200)}`, "太长"],
  ['/search ") OR 1=1 --', "没有找到"],
  ["/search NEAR(graph theory, 2)", "没有找到"],
  ["/search title:foo* AND -bar", "没有找到"],
  ["/search %_%", "没有可用的文字"],
  // unknown commands
  ["/drop_table", "没有 /drop_table 这个命令"],
  ["/constructor", "没有 /constructor 这个命令"],
  ["/toString x", "没有 /tostring 这个命令"],
  ["/__proto__", "请输入命令"],
];

describe("bad inputs", () => {
  it.each(CASES)("%j gets a clear answer and changes nothing", async (text, expected) => {
    const s = setup();
    const p = paper("2404.20001", { title: "Diffusion for video" });
    s.papers.upsert(p, { date: "2024-04-24", type: "new" });
    s.cards.put(realCard(p));
    await s.send("/subscribe 文生视频, cs.CV");
    await s.send("/settime 08:30");
    const before = snapshot(s.db);
    const replies = await s.send(text);
    const answer = replies
      .flatMap((m) => m.blocks)
      .flatMap((b) => [...(b.title ? [b.title] : []), ...b.lines])
      .map((line) => line.map((sp) => sp.text).join(""))
      .join("\n");
    expect(answer).toContain(expected);
    expect(answer).not.toContain(T.internalError);
    expect(snapshot(s.db)).toBe(before);
  });
});
