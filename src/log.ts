/**
 * A small structured logger: one line per event, `LEVEL message key=value ...` on a terminal
 * and JSON lines otherwise. Every registered secret is replaced by `[redacted]` in every line,
 * whatever field it hides in (a token inside a URL in an error message, say).
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  secrets?: string[];
  json?: boolean;
  write?: (line: string) => void;
}

const registeredSecrets = new Set<string>();

/** Adds values that must never be printed (tokens, keys); applies to every logger. */
export function registerSecrets(values: Iterable<string>): void {
  for (const v of values) if (v && v.length >= 4) registeredSecrets.add(v);
}

/** Replaces every registered secret in `text`; use it for any text that leaves the process. */
export function redact(text: string): string {
  let out = text;
  for (const s of registeredSecrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}

/**
 * An error as one redacted line for logs, reports and wrapped errors: "Name: message", plus the
 * system code (ECONNRESET, ENOTFOUND) that fetch() hides in `cause.cause`.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redact(String(error));
  const inner = (error as Error & { cause?: { code?: unknown } }).cause?.code;
  const text = `${error.name}: ${error.message}`;
  return redact(typeof inner === "string" ? `${text}: ${inner}` : text);
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; status?: unknown };
    return { name: e.name, message: e.message, code: e.code, status: e.status };
  }
  return value;
}

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const level = options.level ?? "info";
  const json = options.json ?? !process.stderr.isTTY;
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  registerSecrets(options.secrets ?? []);

  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const all: LogFields = { ...base, ...fields };
    let line: string;
    if (json) {
      line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...all }, (_k, v) =>
        serialise(v),
      );
    } else {
      const kv = Object.entries(all)
        .map(([k, v]) => {
          const s = serialise(v);
          return `${k}=${typeof s === "string" ? s : JSON.stringify(s)}`;
        })
        .join(" ");
      line = `${lvl.toUpperCase().padEnd(5)} ${msg}${kv ? ` ${kv}` : ""}`;
    }
    write(redact(line));
  };

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...options, level, json, write }, { ...base, ...fields }),
  };
}

/** A logger that prints nothing, for tests and library callers. */
export const silentLogger: Logger = createLogger({ level: "silent" });
