/** `sudi backup FILE`: a consistent copy of the live database, made while the bot runs. */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../store/db.ts";
import { type CliCommand, type CliIo, UsageError } from "./command.ts";

const HELP = `Usage: sudi backup FILE [--force]

Copies the database (SUDI_DB_PATH) to FILE with SQLite's online backup: safe while
sudi runs, and the copy is one consistent state even if the bot writes meanwhile.
FILE must not exist unless --force is given.

To restore: stop sudi, copy the backup over SUDI_DB_PATH (and delete any
SUDI_DB_PATH-wal and -shm files next to it), start sudi.`;

async function run(args: string[], io: CliIo): Promise<number> {
  let parsed: { values: { force?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { force: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length) throw new UsageError("expected one FILE");
  if (existsSync(file) && !parsed.values.force) {
    throw new UsageError(`${file} exists; pass --force to overwrite it`);
  }
  const config = loadConfig(io.env);
  if (!existsSync(config.SUDI_DB_PATH)) {
    io.err(`sudi backup: no database at ${config.SUDI_DB_PATH} (SUDI_DB_PATH)`);
    return 1;
  }
  const db = openDatabase(config.SUDI_DB_PATH, { readonly: true });
  try {
    const { totalPages } = await db.backup(file);
    io.out(
      `backed up ${config.SUDI_DB_PATH} to ${file}: ${totalPages} pages, ${statSync(file).size} bytes`,
    );
  } finally {
    db.close();
  }
  return 0;
}

export const command: CliCommand = {
  name: "backup",
  help: HELP,
  run,
};
