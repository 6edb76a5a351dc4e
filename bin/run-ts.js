#!/usr/bin/env node
import { resolve } from "node:path";
// Runs a TypeScript entry file through tsx's loader, so sudi needs no build step.
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: run-ts.js <file.ts> [args...]");
  process.exit(2);
}
process.argv = [process.argv[0] ?? "node", entry, ...rest];
await import(pathToFileURL(resolve(entry)).href);
