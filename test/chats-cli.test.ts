/**
 * `sudi chats` as an operator runs it for a Feishu group: add (options declared by the Feishu
 * adapter, topics and time through /subscribe and /settime), list, delivery to the fake Feishu
 * through the platform's sender, a revoked webhook shown with its reason, and remove. The
 * webhook URL and secret never appear in what the command prints.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { main } from "../src/cli.ts";
import { textMessage } from "../src/core/message.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { ChatGoneError } from "../src/deliver/sender.ts";
import { silentLogger } from "../src/log.ts";
import { type FakeFeishu, startFakeFeishu } from "./fakes/feishu.ts";
import { sampleApp } from "./helpers/web-archive.ts";

let feishu: FakeFeishu;
let env: Record<string, string>;
let dbPath: string;

beforeAll(async () => {
  feishu = await startFakeFeishu();
  dbPath = join(mkdtempSync(join(tmpdir(), "sudi-chats-")), "sudi.db");
  env = { SUDI_DB_PATH: dbPath, LOG_LEVEL: "silent", OPENAI_API_KEY: "" };
  const { app } = await sampleApp(dbPath);
  app.close();
});
afterAll(() => feishu.close());

async function sudi(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
    env,
    stdin: process.stdin,
    isTty: false,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("sudi chats", () => {
  const secret = "chats-cli-secret";
  let hook: ReturnType<FakeFeishu["addHook"]>;

  it("adds a Feishu group with topics and a time, checked as in a chat", async () => {
    hook = feishu.addHook({ secret });
    const r = await sudi(
      "chats",
      "add",
      "feishu",
      "--name",
      "组会",
      "--webhook",
      hook.url,
      "--secret",
      secret,
      "--topics",
      "文生视频,智能体",
      "--time",
      "08:30",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("已添加聊天 #");
    expect(r.out).toContain("已订阅主题「文生视频」");
    expect(r.out).toContain("每日推送时间已设为 08:30");
    expect(r.out).not.toContain(hook.hook.token);
    expect(r.out).not.toContain(secret);
  });

  it("lists it with its state, topics and time, without the credentials", async () => {
    const r = await sudi("chats", "list");
    expect(r.out).toContain("feishu");
    expect(r.out).toContain("组会");
    expect(r.out).toContain("08:30（Asia/Shanghai）");
    expect(r.out).toContain("推送中");
    expect(r.out).toContain("订阅：文生视频、智能体");
    expect(r.out).toContain("签名校验");
    expect(r.out).not.toContain(hook.hook.token);
  });

  it("delivers through the Feishu sender the platform registers, and shows why a revoked webhook stopped", async () => {
    // the CLI's database, opened as `sudi start` would
    const { buildApp } = await import("../src/app.ts");
    const real = buildApp({ env, dotenv: {}, log: silentLogger });
    const chatServices = real;
    // the platforms that run: Feishu, because it has an active chat (and the console fallback)
    expect(real.configuredPlatforms().map((p) => p.platform)).toEqual(["feishu"]);
    const senders = (
      await real.senders({ out: () => {}, stdin: process.stdin, interactive: false })
    ).filter((s) => s.platform === "feishu");
    expect(senders.map((s) => s.platform)).toEqual(["feishu"]);
    const engine = new DeliveryEngine(
      {
        outbox: chatServices.outbox,
        deliveries: chatServices.deliveries,
        chats: chatServices.chats,
        senders: { feishu: senders[0] },
      },
      { retries: 0, backoffMs: 1 },
    );
    const chat = chatServices.chats.listActive().find((c) => c.platform === "feishu");
    const digest = chat ? chatServices.digests.forChat(chat) : null;
    expect(digest).not.toBeNull();
    if (digest) expect(await engine.deliver(digest)).toBe("sent");
    expect(hook.hook.cards.length).toBeGreaterThan(0);

    hook.hook.revoked = true;
    const address = { platform: "feishu", chatId: chat?.chatId ?? "", type: "group" as const };
    await expect(senders[0]?.sendPart(address, textMessage("明天见"))).rejects.toBeInstanceOf(
      ChatGoneError,
    );
    real.close();

    const r = await sudi("chats", "list");
    expect(r.out).toContain("已停用：webhook 已失效");
  });

  it("re-adding the group with a new webhook reactivates it", async () => {
    const fresh = feishu.addHook();
    const r = await sudi("chats", "add", "feishu", "--name", "组会", "--webhook", fresh.url);
    expect(r.code).toBe(0);
    const list = await sudi("chats", "list");
    expect(list.out.match(/组会/g)?.length).toBe(2); // the old (inactive) and the new one
    expect(list.out).toContain("推送中");
  });

  it("refuses bad options without echoing a secret", async () => {
    const bad = await sudi(
      "chats",
      "add",
      "feishu",
      "--name",
      "x",
      "--webhook",
      "https://example.org/not-a-hook-SECRETPART",
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--webhook");
    expect(bad.err).not.toContain("SECRETPART");
    expect((await sudi("chats", "add", "feishu", "--webhook", hook.url)).err).toContain(
      "--name is required",
    );
    expect((await sudi("chats", "add", "nosuch")).err).toContain("one of feishu");
    expect(
      (
        await sudi(
          "chats",
          "add",
          "feishu",
          "--name",
          "x",
          "--webhook",
          hook.url,
          "--topics",
          "文生视屏",
        )
      ).out,
    ).toContain("你是不是想找");
  });

  it("removes a chat by its number", async () => {
    const list = await sudi("chats", "list");
    const id = /#(\d+)/.exec(list.out)?.[1] ?? "";
    const r = await sudi("chats", "remove", id);
    expect(r.out).toContain(`已删除聊天 #${id}`);
    expect((await sudi("chats", "remove", "9999")).code).toBe(1);
  });
});
