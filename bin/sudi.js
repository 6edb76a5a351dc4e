#!/usr/bin/env node
// The `sudi` command: runs the bundle in dist/sudi (built by `npm install`). A bundle older than
// the sources (a `git pull` without a reinstall, an edit) is rebuilt first; where esbuild is not
// installed (production dependencies only), the bundle as built is run.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { build, ENTRY, isStale } from "./build.js";

if (isStale()) {
  let built = false;
  try {
    built = await build({ quiet: true });
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  }
  if (!built) {
    console.error(
      "sudi: the build in dist/sudi is missing or older than the sources; run `npm install`",
    );
    if (!existsSync(ENTRY)) process.exit(1);
  }
}
const { main } = await import(pathToFileURL(ENTRY).href);
process.exitCode = await main(process.argv.slice(2));
