/**
 * `npm run bench [-- name ...]`: runs every bench/*.bench.ts (or the named ones), each in its
 * own process so peak-memory figures are not mixed, and prints their figures.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (benches.length === 0) {
  console.error(`no bench matches ${wanted.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench: ${name} ===`);
  const result = spawnSync(
    process.execPath,
    ["--expose-gc", join(here, "../bin/run-ts.js"), join(here, `${name}.bench.ts`)],
    { stdio: "inherit" },
  );
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
