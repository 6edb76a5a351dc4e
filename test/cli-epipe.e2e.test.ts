/** `sudi demo | head -60`: the reader closes the pipe early; sudi ends quietly. */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("a closed output pipe", () => {
  it("ends sudi demo quietly, with no stack trace, as head expects", async () => {
    const child = spawn(process.execPath, [join(ROOT, "bin/sudi.js"), "demo"], {
      cwd: ROOT,
      env: { ...process.env, SUDI_DB_PATH: ":memory:", LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    // Read the first chunk, then close our end of the pipe, as `head` does after its lines.
    const first = await new Promise<string>((resolve) =>
      child.stdout.once("data", (d: Buffer) => resolve(d.toString("utf8"))),
    );
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(first.length).toBeGreaterThan(0);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  }, 60_000);
});
