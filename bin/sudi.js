#!/usr/bin/env node
// The `sudi` command: loads src/cli.ts through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
