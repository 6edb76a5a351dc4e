/**
 * `sudi doctor`: checks what sudi depends on and names what is wrong: the LLM provider
 * (src/summarise/doctor.ts: one sample paper through the real prompt, with the JSON mode that
 * works, latency, tokens and the card) and every configured chat platform's bot token (the
 * same check `sudi start` runs at start-up). Read-only: it opens no database and sends no chat
 * message.
 */
import type { TokenCheck } from "../../bots/platform.ts";
import { PLATFORMS } from "../../bots/registry.ts";
import { loadAppConfig } from "../app.ts";
import type { Config } from "../config.ts";
import { checkLlmProvider, type LlmCheck } from "../summarise/doctor.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

/** One line of the report (the LLM's carries what the provider answered too). */
export type DoctorLine =
  | LlmCheck
  | { check: string; ok: boolean; message: string; variable?: string };

const HELP = `Usage: sudi doctor [--format text|json]

Checks what sudi depends on and names what is wrong:
  - the LLM provider (OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY, SUDI_LLM_JSON_MODE,
    or SUDI_LLM_PRESET): sends one sample paper, and reports which JSON mode works, the
    latency, the tokens and the card, or names the variable to fix;
  - each configured chat platform's bot token (asks the platform who the bot is), naming
    the token variable when refused, or the API root when it cannot be reached.
Prints one line per check (or one JSON object with --format json) and exits 0 when
every check passes, 1 otherwise. Writes nothing and sends no chat message.`;

function parse(args: string[]): { format: "text" | "json" } {
  const { values } = parseFlags(args, { format: { type: "string", default: "text" } });
  if (values.format !== "text" && values.format !== "json") {
    throw new UsageError(`--format: expected text or json, got ${values.format}`);
  }
  return { format: values.format };
}

/** Every configured platform's token check, in registry order. */
export async function checkPlatforms(config: Config): Promise<DoctorLine[]> {
  const configured = PLATFORMS.filter((p) => !p.fallback && p.configured(config));
  if (configured.length === 0) {
    const options = PLATFORMS.filter((p) => !p.fallback).map((p) => p.enabledBy);
    return [
      {
        check: "platforms",
        ok: true,
        message: `no chat platform configured (set ${options.join(", or ")}); sudi start opens the console chat`,
      },
    ];
  }
  const checks = await Promise.all(configured.flatMap((p) => (p.check ? [p.check(config)] : [])));
  return checks.map(lineOf);
}

function lineOf(c: TokenCheck): DoctorLine {
  return {
    check: c.platform,
    ok: c.ok,
    message: c.message,
    ...(c.variable ? { variable: c.variable } : {}),
  };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { format } = parse(args);
  const config = loadAppConfig(io.env);
  const [llm, platforms] = await Promise.all([checkLlmProvider(config), checkPlatforms(config)]);
  const lines: DoctorLine[] = [llm, ...platforms];
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
