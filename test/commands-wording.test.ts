/** What a newcomer reads first: /start, /help, /topics, /list, and the console's greeting. */
import { describe, expect, it } from "vitest";
import { CONSOLE_CHAT } from "../bots/console/chat.ts";
import { quietWeekdays } from "../src/commands/time.ts";
import { GROUP, PRIVATE, setup } from "./commands-setup.ts";

describe("wording a newcomer reads", () => {
  it("/start greets without repeating the whole help", async () => {
    const s = setup();
    const start = await s.say("/start", { chat: PRIVATE });
    expect(start).toContain("你好！我是论文速递");
    expect(start).toContain("/help 查看全部命令");
    expect(start).not.toContain("/setlimit");
  });

  it("/help lists /unsubscribe by number and says an edited command is not read again", async () => {
    const help = await setup().say("/help");
    expect(help).toContain("/unsubscribe <主题>|<编号>|all");
    expect(help).toContain("修改已发出的命令不会重新执行；要改，请重新发送一条。");
  });

  it("the console chat never sends anyone to a private chat it does not have", async () => {
    const s = setup();
    const greeting = await s.say("/start", { chat: CONSOLE_CHAT });
    expect(greeting).toContain("大家好！我是论文速递");
    expect(greeting).not.toContain("私聊");
    expect(await s.say("/help", { chat: CONSOLE_CHAT })).not.toContain("私聊");
    // a Telegram group still hears about private chats
    expect(await s.say("/start", { chat: GROUP })).toContain("或私聊机器人");
  });

  it("/topics names a topic by its id, not by one alias among many", async () => {
    const topics = await setup().say("/topics");
    expect(topics).toContain("推理加速与压缩（efficiency）：");
    expect(topics).not.toContain("（MoE）");
  });

  it("/list says which days have no digest in the chat's own zone", async () => {
    const s = setup();
    await s.say("/subscribe 文生视频");
    expect(await s.say("/list")).toContain("周六、周日和节假日没有推送");
    // New York at 21:00 reads the announcement the same evening, Sunday to Thursday.
    await s.say("/settime 21:00 America/New_York");
    expect(await s.say("/list")).toContain("周五、周六和节假日没有推送");
  });

  it("quiet days follow daylight saving: 08:30 Shanghai is before the winter announcement", () => {
    const summer = new Date("2024-06-03T00:00:00Z");
    const winter = new Date("2024-12-02T00:00:00Z");
    expect(quietWeekdays(summer, "09:00", "Asia/Shanghai")).toEqual([6, 0]);
    expect(quietWeekdays(summer, "08:30", "Asia/Shanghai")).toEqual([6, 0]);
    // EST: 20:00 New York is 09:00 Shanghai, so 08:30 waits for the next morning
    expect(quietWeekdays(winter, "08:30", "Asia/Shanghai")).toEqual([1, 0]);
  });
});
