/**
 * The fake Bot API as a process of its own (test/fakes/telegram-server.ts), the way a manual
 * run or a bench starts it.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

describe("fake Telegram Bot API server", () => {
  it("runs in a child process and prints its address", async () => {
    const child = spawn(
      process.execPath,
      ["bin/run-ts.js", "test/fakes/telegram-server.ts", "--limits", "off"],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    try {
      const line = await new Promise<string>((resolve) => {
        createInterface({ input: child.stdout }).once("line", resolve);
      });
      const { apiRoot, token } = JSON.parse(line) as { apiRoot: string; token: string };
      const sent = await fetch(`${apiRoot}/bot${token}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: 1, text: "从子进程" }),
      });
      expect(sent.status).toBe(200);
      const state = (await (await fetch(`${apiRoot}/_fake/state`)).json()) as {
        sent: { text: string }[];
      };
      expect(state.sent.map((m) => m.text)).toEqual(["从子进程"]);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
