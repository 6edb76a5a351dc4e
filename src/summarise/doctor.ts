/**
 * The LLM provider check behind `sudi doctor`: a user's first test of their provider. It sends
 * one sample paper through the real prompt, reports which JSON mode the provider accepted
 * (json_schema, or json_object after a refusal), the latency, the tokens and the card, and
 * when something fails it names the variable to fix: 401/403 → OPENAI_API_KEY, an unknown
 * model → OPENAI_MODEL, a refused connection, a timeout or an unknown route → OPENAI_BASE_URL.
 * It writes nothing and never shows the key.
 */

import { SHORT_CARD } from "../core/card-sections.ts";
import type { Clock } from "../core/clock.ts";
import type { Card } from "../store/card.ts";
import type { Paper } from "../store/paper.ts";
import { specificFirst } from "../topics/match.ts";
import { loadTaxonomy } from "../topics/taxonomy.ts";
import { cardResponseSchema } from "./card.ts";
import { sourceText } from "./clean.ts";
import { ruleTopics } from "./fallback.ts";
import {
  type JsonMode,
  LlmClient,
  LlmError,
  LlmHttpError,
  LlmNetworkError,
  LlmTimeoutError,
} from "./llm.ts";
import { cardParts } from "./parts.ts";
import { loadCardPrompt, renderCardMessages } from "./prompt.ts";
import { CardOutputError, parseAnswer } from "./validate.ts";

/** The variables the check can blame. */
export type LlmVariable = "OPENAI_API_KEY" | "OPENAI_MODEL" | "OPENAI_BASE_URL";

/** One line of `sudi doctor`, with what the provider answered. */
export interface LlmCheck {
  check: "llm";
  ok: boolean;
  /** one line for the operator */
  message: string;
  /** the variable to fix when the check failed because of it */
  variable?: LlmVariable;
  /** the JSON mode the provider accepted */
  jsonMode?: JsonMode;
  latencyMs?: number;
  tokens?: { prompt: number; completion: number; estimated: boolean };
  /** the sample paper's card, as the provider wrote it */
  card?: Card;
}

export interface LlmCheckConfig {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL: string;
  OPENAI_MODEL: string;
  SUDI_LLM_JSON_MODE: JsonMode;
}

/** arXiv 2304.06648 (DiffFit), the paper of DESIGN.md's example card. */
export const SAMPLE_PAPER: Paper = {
  id: "2304.06648",
  version: 1,
  title:
    "DiffFit: Unlocking Transferability of Large Diffusion Models via Simple Parameter-Efficient Fine-Tuning",
  abstract:
    "Diffusion models have proven to be highly effective in generating high-quality images. " +
    "However, adapting large pre-trained diffusion models to new domains remains an open " +
    "challenge, which is critical for real-world applications. This paper proposes DiffFit, a " +
    "parameter-efficient strategy to fine-tune large pre-trained diffusion models that enable " +
    "fast adaptation to new domains. DiffFit is embarrassingly simple that only fine-tunes the " +
    "bias term and newly-added scaling factors in specific layers, yet resulting in significant " +
    "training speed-up and reduced model storage costs. Compared with full fine-tuning, DiffFit " +
    "achieves 2x training speed-up and only needs to store approximately 0.12% of the total " +
    "model parameters. Intuitive theoretical analysis has been provided to justify the efficacy " +
    "of scaling factors on fast adaptation. On 8 downstream datasets, DiffFit achieves superior " +
    "or competitive performances compared to the full fine-tuning while being more efficient. " +
    "Remarkably, we show that DiffFit can adapt a pre-trained low-resolution generative model " +
    "to a high-resolution one by adding minimal cost. Among diffusion-based methods, DiffFit " +
    "sets a new state-of-the-art FID of 3.02 on ImageNet 512x512 benchmark by fine-tuning " +
    "only 25 epochs from a public pre-trained ImageNet 256x256 checkpoint while being 30x more " +
    "training efficient than the closest competitor.",
  authors: [
    { name: "Enze Xie", affiliations: [] },
    { name: "Lewei Yao", affiliations: [] },
    { name: "Han Shi", affiliations: [] },
    { name: "Zhili Liu", affiliations: [] },
  ],
  primaryCategory: "cs.CV",
  categories: ["cs.CV", "cs.LG"],
  comment: "Tech Report",
  journalRef: null,
  doi: null,
  published: "2023-04-13T00:00:00Z",
  updated: "2023-04-13T00:00:00Z",
  announceDate: "2023-04-14",
  announceType: "new",
  codeUrl: null,
};

/** The variable an LLM failure points at, and what to say about it. */
export function diagnose(error: unknown): { variable?: LlmVariable; message: string } {
  if (error instanceof LlmHttpError) {
    if (error.status === 401 || error.status === 403) {
      return {
        variable: "OPENAI_API_KEY",
        message: `the provider refused the key (HTTP ${error.status}): check OPENAI_API_KEY`,
      };
    }
    const aboutModel = error.code === "model_not_found" || /\bmodel\b/i.test(error.message);
    if ((error.status === 404 || error.status === 400) && aboutModel) {
      return {
        variable: "OPENAI_MODEL",
        message: `the provider does not know this model (HTTP ${error.status}): check OPENAI_MODEL`,
      };
    }
    if (error.status === 404) {
      return {
        variable: "OPENAI_BASE_URL",
        message:
          "no chat completions endpoint there (HTTP 404): check OPENAI_BASE_URL (often ends in /v1)",
      };
    }
    return { message: error.message };
  }
  if (error instanceof LlmTimeoutError || error instanceof LlmNetworkError) {
    return {
      variable: "OPENAI_BASE_URL",
      message: `${error.message}: check OPENAI_BASE_URL`,
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** Sends the sample paper to the configured provider and reports what happened. */
export async function checkLlmProvider(
  config: LlmCheckConfig,
  options: { timeoutMs?: number; now?: () => number; clock?: Clock } = {},
): Promise<LlmCheck> {
  if (!config.OPENAI_API_KEY) {
    return {
      check: "llm",
      ok: false,
      variable: "OPENAI_API_KEY",
      message:
        "OPENAI_API_KEY is not set: cards are built without the LLM (set it, or SUDI_LLM_PRESET for a local server)",
    };
  }
  const now = options.now ?? (() => performance.now());
  const taxonomy = loadTaxonomy();
  const topicIds = new Set(taxonomy.topics.map((t) => t.id));
  const prompt = loadCardPrompt();
  const llm = new LlmClient({
    baseURL: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.OPENAI_MODEL,
    jsonMode: config.SUDI_LLM_JSON_MODE,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: 1,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const messages = renderCardMessages(prompt, SAMPLE_PAPER, taxonomy);
  const started = now();
  try {
    const reply = await llm.complete(messages, {
      name: "paper_card",
      schema: cardResponseSchema([...topicIds]),
    });
    const latencyMs = Math.round(now() - started);
    const tokens = {
      prompt: reply.usage.promptTokens,
      completion: reply.usage.completionTokens,
      estimated: reply.usage.estimated,
    };
    const answer = parseAnswer(SHORT_CARD, reply.content, {
      topicIds,
      ruleTopics: () => ruleTopics(SAMPLE_PAPER),
      source: sourceText(SAMPLE_PAPER),
      orderTopics: (ids) => specificFirst(ids, taxonomy),
    });
    const card: Card = {
      ...answer.fields,
      ...cardParts(SAMPLE_PAPER),
      fallback: false,
      prompt_version: prompt.version,
      model: config.OPENAI_MODEL,
      repairs: answer.repairs,
      cleaned: answer.cleaned,
    };
    const modeNote =
      reply.mode === config.SUDI_LLM_JSON_MODE
        ? `${reply.mode} works`
        : `${config.SUDI_LLM_JSON_MODE} refused, ${reply.mode} works (set SUDI_LLM_JSON_MODE=${reply.mode})`;
    const repaired = answer.repairs.length > 0 ? `; repaired: ${answer.repairs.join(", ")}` : "";
    return {
      check: "llm",
      ok: true,
      message:
        `${config.OPENAI_MODEL} at ${config.OPENAI_BASE_URL}: ${modeNote}, ${latencyMs} ms, ` +
        `${tokens.prompt} + ${tokens.completion} tokens${tokens.estimated ? " (estimated)" : ""}` +
        `, card 「${card.title_zh}」${repaired}`,
      jsonMode: reply.mode,
      latencyMs,
      tokens,
      card,
    };
  } catch (error) {
    if (error instanceof CardOutputError) {
      return {
        check: "llm",
        ok: false,
        variable: "OPENAI_MODEL",
        message: `the model answered, but not with a usable card (${error.problems.join("; ")}): try another OPENAI_MODEL`,
        latencyMs: Math.round(now() - started),
      };
    }
    if (!(error instanceof LlmError)) throw error;
    return { check: "llm", ok: false, ...diagnose(error) };
  }
}
