import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CONSOLE_CHAT, runConsoleChat } from "../bots/console/chat.ts";
import { ConsoleSender } from "../bots/console/sender.ts";
import { setup } from "./commands-setup.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Runs `sudi start` with `input` on stdin and no platform token, in an empty directory. */
function sudiStart(
  input: string,
  dbPath: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      SUDI_DB_PATH: dbPath,
      LOG_LEVEL: "warn",
      ARXIV_API_URL: "http://127.0.0.1:9/api/query",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    };
    const child = spawn(process.execPath, [join(ROOT, "bin/sudi.js"), "start"], {
      cwd: dirname(dbPath),
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

describe("console chat", () => {
  it("answers one command per line, in order, and ends at end of input", async () => {
    const s = setup();
    const out: string[] = [];
    await runConsoleChat({
      bot: s.bot,
      input: Readable.from(["/subscribe 文生视频\n", "\n", "/list\n/pause"]),
      write: (t) => out.push(t),
      interactive: false,
    });
    const text = out.join("\n");
    expect(text.indexOf("> /subscribe 文生视频")).toBeLessThan(
      text.indexOf("已订阅主题「文生视频」"),
    );
    expect(text.indexOf("已订阅主题「文生视频」")).toBeLessThan(text.indexOf("> /list"));
    expect(text).toContain("1. 主题 文生视频");
    expect(text).toContain("已暂停");
    // The console user is an admin of the console group.
    const chat = s.chats.find("console", CONSOLE_CHAT.chatId);
    expect(chat?.type).toBe("group");
    expect(chat?.paused).toBe(true);
  });

  it("prints scheduled digests whole through its Sender", async () => {
    const out: string[] = [];
    const sender = new ConsoleSender((t) => out.push(t));
    const message = { blocks: [{ kind: "text" as const, lines: [[{ text: "速递 <b>" }]] }] };
    expect(sender.split(message)).toEqual([message]);
    expect(await sender.sendPart(CONSOLE_CHAT, message)).toBe("console-1");
    expect(await sender.sendPart(CONSOLE_CHAT, message)).toBe("console-2");
    expect(out[0]).toContain("速递 <b>");
  });

  it("`printf '/subscribe 文生视频\\n/list\\n' | npm start` answers both, exits, and remembers", async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), "sudi-console-")), "sudi.db");
    const first = await sudiStart("/subscribe 文生视频\n/list\n", dbPath);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain("已订阅主题「文生视频」");
    expect(first.out).toContain("1. 主题 文生视频");
    const second = await sudiStart("/list\n", dbPath);
    expect(second.code).toBe(0);
    expect(second.out).toContain("1. 主题 文生视频");
  });
});
