/**
 * Configuration: the variables of the core pipeline, validated once at start-up, plus the
 * fragments each chat platform declares for itself (bots/<platform>/config.ts, merged in the
 * same pass by bots/registry.ts). A bad value stops start-up with a ConfigError naming the
 * variable and what it expects; secret values never appear in that message.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";
import { canonicalCategory } from "./core/categories.ts";
import { LLM_PRESETS, LOCAL_API_KEY, PRESET_ALIASES, presetNamed } from "./core/llm-presets.ts";
import { canonicalTimeZone, parseDigestTime } from "./core/setting-rules.ts";

const DEFAULT_CATEGORIES =
  "cs.AI,cs.CL,cs.CV,cs.LG,cs.MM,cs.SD,eess.AS,eess.IV,cs.RO,cs.CR,cs.IR,stat.ML";

/** Names of core variables whose values are secrets: never logged, never echoed in errors. */
export const SECRET_VARIABLES = ["OPENAI_API_KEY", "GITHUB_TOKEN"] as const;

/** Blank means unset, as in most .env files. Exported for adapters' config fragments. */
export const emptyToUndefined = (v: unknown) =>
  typeof v === "string" && v.trim() === "" ? undefined : v;
export const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
export const url = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
      .default(fallback)
      .transform((u) => u.replace(/\/+$/, "")),
  );
export const int = (fallback: number, min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "expected a whole number" })
      .int({ error: "expected a whole number" })
      .min(min, { error: `expected at least ${min}` })
      .max(max, { error: `expected at most ${max}` })
      .default(fallback),
  );

/** A value the chat's rule canonicalises (or null to refuse), as a zod step. */
const byRule = (rule: (input: string) => string | null | undefined, error: string) =>
  z.string().transform((value, ctx) => {
    const canonical = rule(value);
    if (canonical) return canonical;
    ctx.issues.push({ code: "custom", message: error, input: value });
    return z.NEVER;
  });

export const ConfigSchema = z.object({
  SUDI_DB_PATH: z.preprocess(emptyToUndefined, z.string().default("data/sudi.db")),
  SUDI_TIMEZONE: z.preprocess(
    emptyToUndefined,
    byRule(canonicalTimeZone, "expected an IANA time zone such as Asia/Shanghai").default(
      "Asia/Shanghai",
    ),
  ),
  SUDI_DIGEST_TIME: z.preprocess(
    emptyToUndefined,
    byRule(parseDigestTime, "expected HH:MM, 00:00 to 23:59 (as /settime takes it)").default(
      "09:00",
    ),
  ),
  SUDI_CATEGORIES: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(DEFAULT_CATEGORIES)
      .transform((s) =>
        s
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            byRule(
              canonicalCategory,
              "expected arXiv categories like cs.CL (see arxiv.org/category_taxonomy)",
            ),
          )
          .min(1, { error: "expected at least one category" }),
      ),
  ),
  ARXIV_API_URL: url("https://export.arxiv.org/api/query"),
  ARXIV_RSS_URL: url("https://rss.arxiv.org/atom"),
  ARXIV_MIN_INTERVAL_MS: int(3000, 0, 600_000),
  /** arXiv's HTML full text (deep reads, /ask); `/<id>v<N>` is appended */
  ARXIV_HTML_URL: url("https://arxiv.org/html"),
  /** PDF full text when there is no HTML; `/<id>v<N>` is appended */
  ARXIV_PDF_URL: url("https://arxiv.org/pdf"),
  /** a known provider: fills OPENAI_BASE_URL, SUDI_LLM_JSON_MODE and OPENAI_MODEL when unset */
  SUDI_LLM_PRESET: z.preprocess(
    (v) => (typeof v === "string" ? (presetNamed(v) ?? v) : v),
    z.preprocess(
      emptyToUndefined,
      z
        .enum(Object.keys(LLM_PRESETS) as [string, ...string[]], {
          error: `expected one of ${[...Object.keys(LLM_PRESETS), ...Object.keys(PRESET_ALIASES)].join(", ")}`,
        })
        .optional(),
    ),
  ),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url("https://api.openai.com/v1"),
  OPENAI_MODEL: z.preprocess(emptyToUndefined, z.string().default("gpt-4o-mini")),
  SUDI_LLM_JSON_MODE: z.preprocess(
    emptyToUndefined,
    z.enum(["json_schema", "json_object"]).default("json_schema"),
  ),
  SUDI_LLM_CONCURRENCY: int(8, 1, 256),
  SUDI_LLM_DAILY_TOKENS: int(2_000_000, 0, 1_000_000_000_000),
  /** prompt tokens of one deep read or /ask, excerpt of the full text included */
  SUDI_DEEP_MAX_TOKENS: int(12_000, 2_000, 200_000),
  /** new (uncached) deep reads a user may ask for per UTC day; cached ones are free */
  SUDI_DEEP_PER_USER_DAY: int(5, 0, 10_000),
  /** new deep reads per group chat per UTC day */
  SUDI_DEEP_PER_GROUP_DAY: int(20, 0, 100_000),
  /** new /ask questions per user, and per group chat, per UTC day */
  SUDI_ASK_PER_DAY: int(30, 0, 100_000),
  /** days the sent ledger keeps (chat, paper) detail; at least a week of announcements */
  SUDI_LEDGER_RETENTION_DAYS: int(30, 7, 3650),
  /** cap of the adaptive in-flight window; unset: enough for 300 ms at each platform's rate */
  SUDI_DELIVERY_IN_FLIGHT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "expected a whole number" })
      .int({ error: "expected a whole number" })
      .min(1, { error: "expected at least 1" })
      .max(64, { error: "expected at most 64" })
      .optional(),
  ),
  /** serves the web archive and feeds on this port (`sudi start`, `sudi serve`) */
  SUDI_WEB_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "expected a port number" })
      .int({ error: "expected a port number" })
      .min(0, { error: "expected a port number, 0 to 65535" })
      .max(65535, { error: "expected a port number, 0 to 65535" })
      .optional(),
  ),
  /** the address the web archive listens on */
  SUDI_WEB_HOST: z.preprocess(emptyToUndefined, z.string().default("0.0.0.0")),
  /** public base URL of the web archive, for links in chats, feeds and mail */
  SUDI_PUBLIC_URL: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
  ),
  /** popularity signals of 周报/月报: Hugging Face daily papers, GitHub stars (both optional) */
  HF_API_URL: url("https://huggingface.co/api"),
  GITHUB_API_URL: url("https://api.github.com"),
  GITHUB_TOKEN: optionalString,
  /**
   * which forwarded client address the web archive trusts: unset (the socket's peer), a
   * number of proxy hops, or a comma list of the proxies' addresses
   */
  SUDI_TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(\d{1,2}|[0-9A-Fa-f.:]+(\s*,\s*[0-9A-Fa-f.:]+)*)$/, {
        error: "expected a number of proxy hops or a comma list of proxy IP addresses",
      })
      .optional(),
  ),
  /** when set, `sudi start` serves Prometheus /metrics on this port (a server of its own) */
  SUDI_METRICS_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "expected a whole number" })
      .int({ error: "expected a whole number" })
      .min(1, { error: "expected at least 1" })
      .max(65535, { error: "expected at most 65535" })
      .optional(),
  ),
  /** the address /metrics binds to: loopback unless the operator opens it on purpose */
  SUDI_METRICS_HOST: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  ),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Start-up stops on this: `variable` names what to fix, `expected` says how. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`invalid ${variable}: ${expected}`);
    this.name = "ConfigError";
  }
}

/**
 * The variables with SUDI_LLM_PRESET's values filled in where the operator left them unset;
 * an unknown preset is left for the schema to name.
 */
function withPreset(vars: Record<string, string | undefined>): Record<string, string | undefined> {
  const name = vars.SUDI_LLM_PRESET ? presetNamed(vars.SUDI_LLM_PRESET) : undefined;
  if (!name) return vars;
  const preset = LLM_PRESETS[name];
  const unset = (key: string) => !vars[key]?.trim();
  const out = { ...vars };
  if (unset("OPENAI_BASE_URL")) out.OPENAI_BASE_URL = preset.baseUrl;
  if (unset("SUDI_LLM_JSON_MODE")) out.SUDI_LLM_JSON_MODE = preset.jsonMode;
  if (unset("OPENAI_MODEL")) out.OPENAI_MODEL = preset.model;
  if ("local" in preset && preset.local && unset("OPENAI_API_KEY"))
    out.OPENAI_API_KEY = LOCAL_API_KEY;
  return out;
}

/**
 * The variables one adapter adds (bots/<platform>/config.ts): their zod shape, which of them
 * are secrets, and rules across them. config.ts never names them itself.
 */
export interface ConfigFragment<S extends z.ZodRawShape = z.ZodRawShape> {
  shape: S;
  /** variables whose values are never logged or echoed */
  secrets?: readonly (keyof S & string)[];
  /** a rule across the fragment's variables: the ConfigError to stop on, if broken */
  refine?(values: z.output<z.ZodObject<S>>): ConfigError | undefined;
}

/** Any adapter's fragment, as loadConfig and the registry hold them. */
export interface AnyConfigFragment {
  shape: z.ZodRawShape;
  secrets?: readonly string[];
  refine?: (values: never) => ConfigError | undefined;
}

/** Declares a fragment with its types kept (an identity function). */
export function defineConfig<S extends z.ZodRawShape>(
  fragment: ConfigFragment<S>,
): ConfigFragment<S> {
  return fragment;
}

/** The environment a Config was read from, so fragments can be read from it later. */
const SOURCES = new WeakMap<object, Record<string, string | undefined>>();
const PARSED = new WeakMap<object, Map<object, unknown>>();

function firstIssue(error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const variable = String(issue?.path[0] ?? "environment");
  return new ConfigError(variable, issue?.message ?? "invalid value");
}

/**
 * One adapter's variables, validated and typed. Read from the same environment as `config`
 * (validated at start-up when the fragment was passed to loadConfig); throws ConfigError.
 */
export function fragmentOf<S extends z.ZodRawShape>(
  config: Config,
  fragment: ConfigFragment<S>,
): z.output<z.ZodObject<S>> {
  return parseFragment(config, fragment) as z.output<z.ZodObject<S>>;
}

function parseFragment(config: Config, fragment: AnyConfigFragment): Record<string, unknown> {
  let cache = PARSED.get(config);
  if (!cache) {
    cache = new Map();
    PARSED.set(config, cache);
  }
  const known = cache.get(fragment) as Record<string, unknown> | undefined;
  if (known) return known;
  const result = z.object(fragment.shape).safeParse(SOURCES.get(config) ?? {});
  if (!result.success) throw firstIssue(result.error);
  // The values are the fragment's own shape parsed, which is what its refine was written for.
  const refine = fragment.refine as ((values: unknown) => ConfigError | undefined) | undefined;
  const broken = refine?.(result.data);
  if (broken) throw broken;
  cache.set(fragment, result.data);
  return result.data;
}

/** Reads KEY=value pairs from a .env file; a missing file gives nothing. */
export function readDotEnv(path = ".env"): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
}

/**
 * Validates the environment. Values in `env` win over the .env file, as operators expect
 * from every other twelve-factor tool. Throws ConfigError on the first bad variable.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  dotenv: Record<string, string> = readDotEnv(),
  fragments: readonly AnyConfigFragment[] = [],
): Config {
  const merged: Record<string, string | undefined> = { ...dotenv };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  const result = ConfigSchema.safeParse(withPreset(merged));
  if (!result.success) throw firstIssue(result.error);
  const config = result.data;
  SOURCES.set(config, merged);
  // Each adapter's variables are checked now too, so a bad one stops start-up at once.
  for (const fragment of fragments) parseFragment(config, fragment);
  return config;
}

/** The secret values of a config (its fragments' too), for the logger's redaction. */
export function secretsOf(config: Config, fragments: readonly AnyConfigFragment[] = []): string[] {
  const values: unknown[] = SECRET_VARIABLES.map((name) => config[name]);
  for (const fragment of fragments) {
    const parsed = parseFragment(config, fragment);
    for (const name of fragment.secrets ?? []) values.push(parsed[name]);
  }
  return values.filter((v): v is string => typeof v === "string" && v.length >= 4);
}
