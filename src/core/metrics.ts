/**
 * Operator metrics (Prometheus), one registry for the process. Each pipeline stage increments
 * its own metrics here; the HTTP endpoint that serves them (src/cli/metrics-server.ts) is
 * started by `sudi start` when SUDI_METRICS_PORT is set, never on the public web port.
 *
 * Metrics are plain counters, gauges and one histogram; labels are small closed sets (platform,
 * kind, result), never a chat or paper id, so the series count stays bounded.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();

export const metrics = {
  papersIngested: new Counter({
    name: "sudi_papers_ingested_total",
    help: "Papers listed in ingested arXiv announcements, by listing type",
    labelNames: ["type"] as const,
    registers: [registry],
  }),
  cards: new Counter({
    name: "sudi_cards_total",
    help: "Cards produced, by kind: llm (written), fallback (no key or over budget), failed (LLM failed, fallback served)",
    labelNames: ["kind"] as const,
    registers: [registry],
  }),
  llmTokens: new Counter({
    name: "sudi_llm_tokens_total",
    help: "LLM tokens (prompt + completion) spent on cards by this process",
    registers: [registry],
  }),
  llmTokensToday: new Gauge({
    name: "sudi_llm_tokens_today",
    help: "LLM tokens spent this UTC day (all processes sharing the database)",
    registers: [registry],
  }),
  llmTokenBudget: new Gauge({
    name: "sudi_llm_token_budget",
    help: "SUDI_LLM_DAILY_TOKENS: the daily LLM token budget",
    registers: [registry],
  }),
  messages: new Counter({
    name: "sudi_messages_total",
    help: "Digest message parts per platform and result: sent (confirmed), failed (refused or chat gone), uncertain (network or server error: it may have arrived)",
    labelNames: ["platform", "result"] as const,
    registers: [registry],
  }),
  deliveryLag: new Histogram({
    name: "sudi_delivery_lag_seconds",
    help: "From arXiv's announcement to a chat's digest fully sent, per platform",
    labelNames: ["platform"] as const,
    // 10 min ... 2 days: chats read at their own hour, up to a day after the announcement
    buckets: [600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 18 * 3600, 24 * 3600, 48 * 3600],
    registers: [registry],
  }),
  schedulerTicks: new Counter({
    name: "sudi_scheduler_ticks_total",
    help: "Scheduler ticks (one a minute while sudi start runs, one per run-once)",
    registers: [registry],
  }),
};
