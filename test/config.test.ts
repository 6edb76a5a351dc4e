import { describe, expect, it } from "vitest";
import { readDiscordConfig } from "../bots/discord/config.ts";
import { readTelegramConfig } from "../bots/telegram/config.ts";
import { appSecrets, loadAppConfig } from "../src/app.ts";
import { ConfigError, loadConfig, secretsOf } from "../src/config.ts";
import { LLM_PRESETS, LOCAL_API_KEY } from "../src/core/llm-presets.ts";

describe("config", () => {
  it("gives the README's defaults for an empty environment", () => {
    const c = loadAppConfig({}, {});
    expect(c.SUDI_DB_PATH).toBe("data/sudi.db");
    expect(c.SUDI_TIMEZONE).toBe("Asia/Shanghai");
    expect(c.SUDI_DIGEST_TIME).toBe("09:00");
    expect(c.SUDI_CATEGORIES).toContain("cs.CL");
    expect(c.SUDI_CATEGORIES).toHaveLength(12);
    expect(c.ARXIV_MIN_INTERVAL_MS).toBe(3000);
    expect(c.OPENAI_API_KEY).toBeUndefined();
    expect(c.SUDI_LLM_JSON_MODE).toBe("json_schema");
    expect(c.SUDI_LLM_CONCURRENCY).toBe(8);
    expect(c.SUDI_LLM_DAILY_TOKENS).toBe(2_000_000);
    expect(c.LOG_LEVEL).toBe("info");
    expect(c.SUDI_DELIVERY_IN_FLIGHT).toBeUndefined(); // the engine's per-platform default
    // Each platform's variables come from its own fragment (bots/<platform>/config.ts).
    expect(readTelegramConfig(c).TELEGRAM_API_ROOT).toBe("https://api.telegram.org");
    expect(readDiscordConfig(c).DISCORD_API_ROOT).toBe("https://discord.com/api");
  });

  it("merges the platforms' variables without config.ts naming them", () => {
    // The core alone neither knows nor checks a platform variable...
    expect(() => loadConfig({ DISCORD_APPLICATION_ID: "not-digits" }, {})).not.toThrow();
    // ...the app's configuration, with the registry's fragments, does, naming it.
    expect(() => loadAppConfig({ DISCORD_APPLICATION_ID: "not-digits" }, {})).toThrow(
      /DISCORD_APPLICATION_ID/,
    );
    expect(() => loadAppConfig({ TELEGRAM_API_ROOT: "ftp://x" }, {})).toThrow(
      /TELEGRAM_API_ROOT.*http\(s\) URL/,
    );
  });

  it("lets the environment win over the .env file", () => {
    const c = loadConfig(
      { OPENAI_MODEL: "deepseek-chat" },
      { OPENAI_MODEL: "qwen-plus", LOG_LEVEL: "debug" },
    );
    expect(c.OPENAI_MODEL).toBe("deepseek-chat");
    expect(c.LOG_LEVEL).toBe("debug");
  });

  it.each([
    ["SUDI_TIMEZONE", "Mars/Olympus", /IANA time zone/],
    ["SUDI_DIGEST_TIME", "25:00", /HH:MM/],
    ["SUDI_DIGEST_TIME", "9am", /HH:MM/],
    ["SUDI_CATEGORIES", "cs.CL, not a category!", /arXiv categories/],
    ["SUDI_CATEGORIES", "cs.CL,cs.XY", /arXiv categories/],
    ["ARXIV_MIN_INTERVAL_MS", "fast", /whole number/],
    ["ARXIV_MIN_INTERVAL_MS", "-1", /at least 0/],
    ["OPENAI_BASE_URL", "ftp://example", /http\(s\) URL/],
    ["SUDI_LLM_JSON_MODE", "yaml", /json_schema|json_object/],
    ["SUDI_LLM_CONCURRENCY", "0", /at least 1/],
    ["LOG_LEVEL", "loud", /debug|info/],
    ["SUDI_DELIVERY_IN_FLIGHT", "0", /at least 1/],
  ])("refuses %s=%s with a message naming the variable", (name, value, expected) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toContain(name);
    expect((error as ConfigError).message).toMatch(expected);
  });

  it("reads settings by the chat's own rules (src/core/setting-rules.ts)", () => {
    const c = loadConfig(
      { SUDI_DIGEST_TIME: "9:00", SUDI_CATEGORIES: "CS.cv, cs, stat.ml", SUDI_TIMEZONE: "utc" },
      {},
    );
    expect(c.SUDI_DIGEST_TIME).toBe("09:00"); // as /settime 9:00
    expect(c.SUDI_CATEGORIES).toEqual(["cs.CV", "cs", "stat.ML"]); // as /subscribe spells them
    expect(c.SUDI_TIMEZONE).toBe("UTC");
  });

  it("never echoes a secret in its error", () => {
    const token = "123456:SECRET-TOKEN-VALUE";
    try {
      loadAppConfig({ DISCORD_BOT_TOKEN: token }, {});
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).variable).toBe("DISCORD_APPLICATION_ID");
      expect(String(e)).not.toContain(token);
    }
  });

  it("lists the secrets the logger must redact", () => {
    const c = loadAppConfig(
      { OPENAI_API_KEY: "sk-abcdef", TELEGRAM_BOT_TOKEN: "42:xyz-token" },
      {},
    );
    expect(appSecrets(c).sort()).toEqual(["42:xyz-token", "sk-abcdef"]);
    expect(secretsOf(c)).toEqual(["sk-abcdef"]);
  });
});

describe("SUDI_LLM_PRESET", () => {
  it("fills base URL, JSON mode and model of a known provider", () => {
    const c = loadConfig({ SUDI_LLM_PRESET: "deepseek", OPENAI_API_KEY: "sk-test" }, {});
    expect(c).toMatchObject({
      SUDI_LLM_PRESET: "deepseek",
      OPENAI_BASE_URL: "https://api.deepseek.com",
      SUDI_LLM_JSON_MODE: "json_object",
      OPENAI_MODEL: LLM_PRESETS.deepseek.model,
    });
  });

  it("lets explicit variables win, and reads aliases in any case", () => {
    const c = loadConfig(
      { SUDI_LLM_PRESET: "DashScope", OPENAI_MODEL: "qwen-max", SUDI_LLM_JSON_MODE: "json_schema" },
      {},
    );
    expect(c).toMatchObject({
      SUDI_LLM_PRESET: "qwen",
      OPENAI_BASE_URL: LLM_PRESETS.qwen.baseUrl,
      OPENAI_MODEL: "qwen-max",
      SUDI_LLM_JSON_MODE: "json_schema",
    });
  });

  it("gives a local server a placeholder key so the LLM is used", () => {
    const c = loadConfig({ SUDI_LLM_PRESET: "ollama" }, {});
    expect(c.OPENAI_BASE_URL).toBe("http://localhost:11434/v1");
    expect(c.OPENAI_API_KEY).toBe(LOCAL_API_KEY);
    expect(loadConfig({ SUDI_LLM_PRESET: "glm" }, {}).OPENAI_API_KEY).toBeUndefined();
  });

  it("names the variable when the preset is unknown", () => {
    expect(() => loadConfig({ SUDI_LLM_PRESET: "gpt5" }, {})).toThrow(
      expect.objectContaining({ variable: "SUDI_LLM_PRESET" }),
    );
    expect(() => loadConfig({ SUDI_LLM_PRESET: "gpt5" }, {})).toThrow(/deepseek.*moonshot/);
  });

  it("has a preset for every provider the README lists", () => {
    const names = [
      "openai",
      "deepseek",
      "qwen",
      "dashscope",
      "kimi",
      "moonshot",
      "glm",
      "zhipu",
      "siliconflow",
      "ollama",
      "vllm",
      "llamacpp",
    ];
    for (const name of names) {
      expect(() => loadConfig({ SUDI_LLM_PRESET: name }, {}), name).not.toThrow();
    }
  });
});
