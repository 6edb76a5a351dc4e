import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// @ts-expect-error bin/build.js is plain JavaScript without type declarations
const { build, isStale, ROOT } = await import("../bin/build.js");

// A bundle of its own, two levels below the root like dist/sudi, so the test never swaps the
// bundle other tests are running.
const outDir: string = join(ROOT, "dist", `test-${process.pid}`);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Runs main() of the bundle in `outDir` with `args` in a child process. */
function runBundle(args: string[], env: Record<string, string> = {}) {
  const entry = pathToFileURL(join(outDir, "cli.js")).href;
  const code = `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    cwd: tmpdir(),
    env: { ...process.env, LOG_LEVEL: "error", ...env },
    encoding: "utf8",
  });
}

describe("the CLI bundle (npm install's prepare step)", () => {
  it("builds into dist/, with the migrations beside it and the files it reads found from there", async () => {
    expect(await build({ quiet: true, outDir })).toBe(true);
    expect(existsSync(join(outDir, "cli.js"))).toBe(true);
    expect(readdirSync(join(outDir, "migrations"))).toEqual(
      readdirSync(join(ROOT, "src/store/migrations")),
    );
    // data/topics.json, read relative to the module, from a working directory elsewhere
    const topics = runBundle(["topics", "--format", "json"]);
    expect(topics.status).toBe(0);
    expect(JSON.parse(topics.stdout).chapters.length).toBeGreaterThan(5);
    // the migrations, read from beside the bundle, create a new database
    const dbPath = join(mkdtempSync(join(tmpdir(), "sudi-build-")), "sudi.db");
    const created = runBundle(["db", "vacuum"], { SUDI_DB_PATH: dbPath });
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    const stats = runBundle(["db", "stats", "--format", "json"], { SUDI_DB_PATH: dbPath });
    expect(stats.stderr).toBe("");
    expect(JSON.parse(stats.stdout).tables.map((t: { table: string }) => t.table)).toContain(
      "sent_ledger",
    );
    // the web archive's style sheet, read from beside the bundle when src/web/server.ts loads
    expect(readFileSync(join(outDir, "static", "style.css"), "utf8")).toBe(
      readFileSync(join(ROOT, "src/web/static/style.css"), "utf8"),
    );
    const serve = runBundle(["serve"], { SUDI_WEB_PORT: "" });
    expect(serve.stderr).toContain("SUDI_WEB_PORT");
    expect(serve.stderr).not.toContain("ENOENT");
    expect(serve.status).toBe(2);
  });

  it("is stale once a source is newer than it, and fresh again after a build", async () => {
    if (!existsSync(join(outDir, "BUILT"))) await build({ quiet: true, outDir });
    expect(isStale(outDir)).toBe(false);
    const longAgo = new Date("2000-01-01T00:00:00Z");
    utimesSync(join(outDir, "BUILT"), longAgo, longAgo);
    expect(isStale(outDir)).toBe(true);
    expect(await build({ quiet: true, outDir })).toBe(true);
    expect(isStale(outDir)).toBe(false);
    expect(isStale(join(ROOT, "dist", "missing"))).toBe(true);
  });
});
