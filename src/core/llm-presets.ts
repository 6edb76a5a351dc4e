/**
 * Known OpenAI-compatible providers, for SUDI_LLM_PRESET: the base URL, the JSON mode the
 * provider accepts and a model name from its own docs. A preset only fills what the operator
 * left unset (OPENAI_BASE_URL, SUDI_LLM_JSON_MODE, OPENAI_MODEL win), so `deepseek` plus an
 * OPENAI_MODEL of one's own works. Local servers need no key; their preset supplies a
 * placeholder so the LLM is used. `sudi doctor` is how an operator confirms their choice.
 */

export interface LlmPreset {
  /** the name shown in the README and in errors */
  label: string;
  baseUrl: string;
  jsonMode: "json_schema" | "json_object";
  model: string;
  /** a local server that needs no API key */
  local?: boolean;
}

/** The placeholder key a local preset supplies when OPENAI_API_KEY is unset. */
export const LOCAL_API_KEY = "sk-local-no-key-needed";

export const LLM_PRESETS = {
  openai: {
    label: "OpenAI",
    baseUrl: "https://api.openai.com/v1",
    jsonMode: "json_schema",
    model: "gpt-4o-mini",
  },
  deepseek: {
    label: "DeepSeek",
    baseUrl: "https://api.deepseek.com",
    jsonMode: "json_object",
    model: "deepseek-v4-flash",
  },
  qwen: {
    label: "Qwen (DashScope)",
    baseUrl: "https://dashscope.aliyuncs.com/compatible-mode/v1",
    jsonMode: "json_object",
    model: "qwen-plus",
  },
  kimi: {
    label: "Kimi (Moonshot)",
    baseUrl: "https://api.moonshot.cn/v1",
    jsonMode: "json_object",
    model: "moonshot-v1-8k",
  },
  glm: {
    label: "GLM (Zhipu)",
    baseUrl: "https://open.bigmodel.cn/api/paas/v4",
    jsonMode: "json_object",
    model: "glm-4-flash",
  },
  siliconflow: {
    label: "SiliconFlow",
    baseUrl: "https://api.siliconflow.cn/v1",
    jsonMode: "json_object",
    model: "deepseek-ai/DeepSeek-V4-Flash",
  },
  ollama: {
    label: "Ollama",
    baseUrl: "http://localhost:11434/v1",
    jsonMode: "json_schema",
    model: "qwen2.5:7b",
    local: true,
  },
  vllm: {
    label: "vLLM",
    baseUrl: "http://localhost:8000/v1",
    jsonMode: "json_schema",
    model: "Qwen/Qwen2.5-7B-Instruct",
    local: true,
  },
  llamacpp: {
    label: "llama.cpp server",
    baseUrl: "http://localhost:8080/v1",
    jsonMode: "json_schema",
    model: "local-model",
    local: true,
  },
} as const satisfies Record<string, LlmPreset>;

export type PresetName = keyof typeof LLM_PRESETS;

/** Other names operators use for the same providers. */
export const PRESET_ALIASES: Readonly<Record<string, PresetName>> = {
  dashscope: "qwen",
  moonshot: "kimi",
  zhipu: "glm",
  "llama.cpp": "llamacpp",
  "llama-cpp": "llamacpp",
};

/** The preset a SUDI_LLM_PRESET value names (any case, aliases too), or undefined. */
export function presetNamed(value: string): PresetName | undefined {
  const key = value.trim().toLowerCase();
  if (key in LLM_PRESETS) return key as PresetName;
  return PRESET_ALIASES[key];
}
