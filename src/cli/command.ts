/**
 * What one `sudi <command>` is: a name, its help, and a run function that returns the exit
 * code. Commands print results to `out` and problems to `err`, so tests can capture both.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Clock } from "../core/clock.ts";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  /** standard input, for the console chat */
  stdin: NodeJS.ReadableStream;
  /** true when stdout is a terminal (progress bars, colours) */
  isTty: boolean;
  /** true when a person types at standard input (a terminal), not a pipe or file */
  interactive?: boolean;
  /** the scheduler's clock for `start` and `run-once` (tests pin it); default the system clock */
  clock?: Clock;
}

export interface CliCommand {
  name: string;
  /** full --help text */
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage error: printed with the command's help hint and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Every command's flags go through node:util parseArgs, strictly (an unknown flag is refused),
 * with its complaints turned into UsageErrors. `--flag value` and `--flag=value` both work.
 */
export function parseFlags<const O extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: O,
  { positionals = false } = {},
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: positionals });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * `sudi demo | head -60`: once the reader closes the pipe, every write fails with EPIPE. That
 * is the reader's choice, not our error: end at once, quietly, as cat and grep do (exit 0).
 */
export function endQuietlyOnClosedPipe(
  stream: NodeJS.WriteStream,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") exit(0);
    else throw error;
  });
}

let pipesWatched = false;

export function defaultIo(): CliIo {
  if (!pipesWatched) {
    pipesWatched = true;
    endQuietlyOnClosedPipe(process.stdout);
  }
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    env: process.env,
    stdin: process.stdin,
    isTty: Boolean(process.stdout.isTTY),
    interactive: Boolean(process.stdin.isTTY),
  };
}

/**
 * A `--topics a,b` list (commas, Chinese commas or 、), trimmed; [] when the flag is absent.
 * An empty list or more than `max` topics is a usage error.
 */
export function topicsFlag(value: unknown, max: number): string[] {
  if (value === undefined) return [];
  const topics = String(value)
    .split(/[,，、]/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (topics.length === 0) throw new UsageError("--topics expects at least one topic");
  if (topics.length > max) throw new UsageError(`--topics: at most ${max} topics`);
  return topics;
}
