/**
 * `sudi doctor`: checks what sudi depends on and names what is wrong. Today that is the LLM
 * provider (src/summarise/doctor.ts): one sample paper through the real prompt, with the JSON
 * mode that works, latency, tokens and the card. Read-only: it opens no database.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { checkLlmProvider } from "../summarise/doctor.ts";
import { type CliCommand, type CliIo, UsageError } from "./command.ts";

const HELP = `Usage: sudi doctor [--format text|json]

Checks the LLM provider (OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY, SUDI_LLM_JSON_MODE,
or SUDI_LLM_PRESET): sends one sample paper, and reports which JSON mode works, the latency,
the tokens and the card, or names the variable to fix. Prints one line per check (or one
JSON object with --format json) and exits 0 when every check passes, 1 otherwise.`;

function parse(args: string[]): { format: "text" | "json" } {
  try {
    const { values } = parseArgs({
      args,
      options: { format: { type: "string", default: "text" } },
      strict: true,
      allowPositionals: false,
    });
    if (values.format !== "text" && values.format !== "json") {
      throw new Error(`--format: expected text or json, got ${values.format}`);
    }
    return { format: values.format };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { format } = parse(args);
  const config = loadConfig(io.env);
  const lines = [await checkLlmProvider(config)];
  const ok = lines.every((l) => l.ok);
  if (format === "json") {
    io.out(JSON.stringify({ ok, checks: lines }, null, 2));
  } else {
    for (const l of lines) io.out(`${l.ok ? "ok  " : "FAIL"} ${l.check.padEnd(9)} ${l.message}`);
  }
  return ok ? 0 : 1;
}

export const command: CliCommand = {
  name: "doctor",
  help: HELP,
  run,
};
