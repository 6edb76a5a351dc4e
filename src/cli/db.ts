/** `sudi db stats` and `sudi db vacuum`: what the store holds, and its one-time conversion. */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../store/db.ts";
import { type StoreStats, storeStats, vacuumInto } from "../store/maintenance.ts";
import { type CliCommand, type CliIo, UsageError } from "./command.ts";

const HELP = `Usage: sudi db stats [--format text|json]
       sudi db vacuum

stats   sizes per table (with its indexes) and rows, from SQLite's dbstat, largest
        first; the file size, page size, free pages and the auto-vacuum mode. Opens the
        database read-only, so it is safe next to the running bot (it reads every
        page: seconds on a large file).
vacuum  the one-time conversion of a file created by an older sudi: rewrites it with
        incremental auto-vacuum (so the weekly maintenance hands freed space back to the
        disk) and 16 KB pages. Stop sudi first; it needs the file to itself and about
        as much free disk space as the file takes. New files need no conversion.`;

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

function asText(stats: StoreStats): string {
  const lines = [
    `file ${mb(stats.fileBytes)}, pages of ${stats.pageSize / 1024} KB, ${stats.freePages} free pages, auto_vacuum ${stats.autoVacuum}`,
    "",
    `${"table".padEnd(28)} ${"rows".padStart(12)} ${"table".padStart(11)} ${"indexes".padStart(11)}`,
  ];
  for (const t of stats.tables) {
    lines.push(
      `${t.table.padEnd(28)} ${String(t.rows).padStart(12)} ${mb(t.bytes).padStart(11)} ${mb(t.indexBytes).padStart(11)}`,
    );
  }
  if (stats.autoVacuum !== "incremental") {
    lines.push(
      "",
      "This file predates incremental auto-vacuum: stop sudi and run `sudi db vacuum` once.",
    );
  }
  return lines.join("\n");
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  let parsed: { values: { format?: string } };
  try {
    parsed = parseArgs({ args: rest, options: { format: { type: "string" } }, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const format = parsed.values.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError("--format must be text or json");
  const config = loadConfig(io.env);
  if (sub === "stats") {
    if (!existsSync(config.SUDI_DB_PATH)) {
      io.err(`sudi db: no database at ${config.SUDI_DB_PATH} (SUDI_DB_PATH)`);
      return 1;
    }
    const db = openDatabase(config.SUDI_DB_PATH, { readonly: true });
    try {
      const stats = storeStats(db);
      io.out(format === "json" ? JSON.stringify(stats) : asText(stats));
    } finally {
      db.close();
    }
    return 0;
  }
  if (sub === "vacuum") {
    if (rest.length) throw new UsageError("vacuum takes no options");
    const db = openDatabase(config.SUDI_DB_PATH);
    try {
      const { before, after } = vacuumInto(db);
      io.out(
        `vacuumed ${config.SUDI_DB_PATH}: ${mb(before)} → ${mb(after)}, auto_vacuum incremental, pages of 16 KB`,
      );
    } finally {
      db.close();
    }
    return 0;
  }
  throw new UsageError(
    sub ? `unknown subcommand "${sub}": stats or vacuum` : "expected stats or vacuum",
  );
}

export const command: CliCommand = {
  name: "db",
  help: HELP,
  run,
};
