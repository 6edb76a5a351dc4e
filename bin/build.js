#!/usr/bin/env node
/**
 * Builds the CLI into dist/sudi/ with esbuild: `npm install` runs it (the `prepare` script), and
 * bin/sudi.js runs it again when a source is newer than the bundle. Development (tests, benches)
 * runs the TypeScript directly through tsx; users run the bundle.
 *
 * - Packages stay external (better-sqlite3's native module, discord.js, grammY ...): loaded at
 *   run time from node_modules as installed. Only BUNDLED, pure JavaScript that every command
 *   loads and that Node would otherwise resolve file by file (zod, the OpenAI SDK: ~0.2 s of
 *   `sudi paper`'s start), goes into the bundle with our own code.
 * - Code splitting keeps the commands' lazy imports lazy: `sudi topics` loads no bot code.
 * - Files read at run time stay where they are: the bundle sits two directories below the root,
 *   as src/<area>/<file>.ts does, so paths built from import.meta.url (../../prompts,
 *   ../../data/topics.json, ../../data/sample) resolve the same from both; the SQL migrations
 *   and the web style sheet, read from the module's own directory, are copied next to the bundle.
 *
 * Usage: node bin/build.js [--quiet]. Exit 0 when built; 1 with esbuild's errors otherwise.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const OUT_DIR = join(ROOT, "dist", "sudi");
export const ENTRY = join(OUT_DIR, "cli.js");
/** What the bundle is built from: a newer file among these makes it stale. */
export const SOURCES = ["src", "bots", "package.json"];

/**
 * Files a module reads from its own directory (new URL("./...", import.meta.url)), copied next to
 * the bundle: the SQL migrations (src/store/db.ts) and the web archive's style sheet
 * (src/web/server.ts).
 */
const SIDE_FILES = [
  ["src/store/migrations", "migrations"],
  ["src/web/static", "static"],
];

/** Dependencies bundled into dist/ rather than loaded from node_modules (see above). */
const BUNDLED = new Set(["zod", "openai"]);

function externals() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  return deps.filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]);
}

/** Builds the bundle; returns false (after printing why) when it failed. */
export async function build({ quiet = false, outDir = OUT_DIR } = {}) {
  const started = performance.now();
  const esbuild = await import("esbuild");
  // Built beside the old bundle and swapped in by renames, so a sudi starting meanwhile (tests
  // start several) finds the old bundle or the new one, never half of one.
  const tmp = `${outDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { cli: "src/cli.ts" },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: externals(),
    sourcemap: "linked",
    logLevel: quiet ? "error" : "warning",
  });
  if (result.errors.length) {
    rmSync(tmp, { recursive: true, force: true });
    return false;
  }
  // Files read from the module's own directory go next to the bundle.
  for (const [from, to] of SIDE_FILES) cpSync(join(ROOT, from), join(tmp, to), { recursive: true });
  // Its mtime is the bundle's age for bin/sudi.js.
  writeFileSync(join(tmp, "BUILT"), `${new Date().toISOString()}\n`);
  const old = `${outDir}.${process.pid}.old`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(tmp, outDir);
  rmSync(old, { recursive: true, force: true });
  if (!quiet) {
    const ms = Math.round(performance.now() - started);
    const files = readdirSync(outDir).filter((f) => f.endsWith(".js")).length;
    console.error(`sudi: built dist/sudi (${files} files) in ${ms} ms`);
  }
  return true;
}

/** The newest modification time (ms) among the files under `paths`. */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.mtimeMs > newest) newest = st.mtimeMs;
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const p of paths) visit(join(ROOT, p));
  return newest;
}

/** True when the bundle in `outDir` is missing or older than a source. */
export function isStale(outDir = OUT_DIR) {
  const built = statSync(join(outDir, "BUILT"), { throwIfNoEntry: false });
  return !built || newestMtime(SOURCES) > built.mtimeMs;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = (await build({ quiet: process.argv.includes("--quiet") })) ? 0 : 1;
}
