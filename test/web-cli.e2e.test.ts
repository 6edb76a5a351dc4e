/**
 * How operators run the archive: `sudi serve` alone, and `sudi start` with SUDI_WEB_PORT set,
 * each a real child process on a database the sample announcement was stored in. Both serve
 * the stored day and stop cleanly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleApp } from "./helpers/web-archive.ts";

const ROOT = join(import.meta.dirname, "..");
let dbPath: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dbPath = join(mkdtempSync(join(tmpdir(), "sudi-web-cli-")), "sudi.db");
  const { app } = await sampleApp(dbPath);
  app.close();
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

function sudi(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, "bin/sudi.js"), ...args], {
    env: { PATH: process.env.PATH ?? "", SUDI_DB_PATH: dbPath, OPENAI_API_KEY: "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

/** The first line of `stream` that matches, as its match. */
function lineMatching(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream });
    lines.on("line", (line) => {
      const m = pattern.exec(line);
      if (m) {
        lines.close();
        resolve(m);
      }
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("sudi serve", () => {
  it("serves the stored announcement and stops on SIGTERM", async () => {
    const child = sudi(["serve", "--port", "0", "--host", "127.0.0.1"], { LOG_LEVEL: "warn" });
    const port = (await lineMatching(child.stdout as NodeJS.ReadableStream, /:(\d+)\//))[1];
    const html = await (await fetch(`http://127.0.0.1:${port}/d/2024-04-24`)).text();
    expect(html).toContain("2024-04-24 论文速递");
    const code = exited(child);
    child.kill("SIGTERM");
    expect(await code).toBe(0);
  });

  it("refuses to run without a port", async () => {
    const child = sudi(["serve"], { LOG_LEVEL: "warn" });
    let err = "";
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    expect(await exited(child)).toBe(2);
    expect(err).toContain("SUDI_WEB_PORT");
  });
});

describe("sudi start with SUDI_WEB_PORT", () => {
  it("serves the archive next to the console chat", async () => {
    const child = sudi(["start"], {
      SUDI_WEB_PORT: "0",
      SUDI_WEB_HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    });
    const port = (
      await lineMatching(
        child.stderr as NodeJS.ReadableStream,
        /web archive listening.*"port":(\d+)/,
      )
    )[1];
    const res = await fetch(`http://127.0.0.1:${port}/paper/2404.02101`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("CameraCtrl");
    // the console chat ends at end of input, and takes the archive down with it
    const code = exited(child);
    child.stdin?.end();
    expect(await code).toBe(0);
  });
});
