/**
 * The Summariser: the one way a paper gets its card. It owns the rules that keep the LLM bill
 * predictable: one call per (paper, version, prompt version, model), whatever the number of
 * subscribers or concurrent requests; at most SUDI_LLM_CONCURRENCY calls in flight; a daily
 * token budget; and a fallback card whenever the LLM is absent, over budget or failing, so a
 * digest is never blocked. Fallback cards are upgraded by the next summariseMissing().
 *
 * Cards are written for new papers only: a real card of a paper version stays valid when the
 * prompt version or model changes, until `refresh` asks for cards of the current ones. What a
 * card the LLM keeps failing on costs is bounded: a failed paper version is asked again at
 * most once a UTC day and not at all after MAX_FAILURES, until the prompt version or model
 * changes or `retryFailed` asks; and the repair call stops being made once repairs keep
 * failing in a row (a provider that omits the same field in every answer).
 */

import type { Config } from "../config.ts";
import { SHORT_CARD } from "../core/card-sections.ts";
import { Semaphore } from "../core/concurrency.ts";
import { metrics } from "../core/metrics.ts";
import { CARD_PROBLEMS } from "../core/texts/card.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Card } from "../store/card.ts";
import { type CallUsage, type CardStore, utcDay } from "../store/cards.ts";
import type { Paper } from "../store/paper.ts";
import { specificFirst } from "../topics/match.ts";
import { loadTaxonomy, type Taxonomy } from "../topics/taxonomy.ts";
import { cardResponseSchema } from "./card.ts";
import { sourceText } from "./clean.ts";
import { fallbackCard, ruleTopics } from "./fallback.ts";
import { LlmClient, LlmError, type LlmReply, type ResponseSchema } from "./llm.ts";
import { cardParts } from "./parts.ts";
import { type CardPrompt, type ChatMessage, loadCardPrompt, renderCardMessages } from "./prompt.ts";
import { CardOutputError, parseAnswer, type ReadAnswer } from "./validate.ts";

export { fallbackCard } from "./fallback.ts";

/** Where the summariser finds a stored paper by id (PaperStore). */
export interface PaperLookup {
  get(id: string): Paper | null | undefined;
}

export interface SummariserOptions {
  cards: CardStore;
  papers: PaperLookup;
  /** null when there is no API key: every new card is a fallback card */
  llm: LlmClient | null;
  /** the model the cache is keyed on (OPENAI_MODEL) */
  model: string;
  /** SUDI_LLM_DAILY_TOKENS */
  dailyTokens: number;
  /** SUDI_LLM_CONCURRENCY */
  concurrency: number;
  log?: Logger;
  taxonomy?: Taxonomy;
  prompt?: CardPrompt;
  /** rule-based topic ids for fallback cards; default matchTopics */
  ruleTopics?: (paper: Paper) => string[];
  now?: () => Date;
}

/** How a card came to be, for progress and reports. `skipped`: the LLM failed on this paper
 * before and is not asked again yet. */
export type CardOutcome = "cached" | "llm" | "fallback" | "failed" | "skipped";

export interface SummariseProgress {
  done: number;
  total: number;
  /** papers that got a fallback card because the LLM failed on them */
  failures: number;
  /** prompt + completion tokens spent so far in this run */
  tokens: number;
}

export interface SummariseReport extends SummariseProgress {
  /** real cards written by the LLM in this run */
  written: number;
  /** papers left with a fallback card (no key, over budget, or failed) */
  fallbacks: number;
  /** papers the LLM failed on before, not asked again in this run */
  skipped: number;
  /** answers the LLM gave (each a card or a repair) */
  calls: number;
  /** HTTP requests sent to the LLM, retries included, and how many of them failed */
  requests: number;
  failedRequests: number;
  promptTokens: number;
  completionTokens: number;
}

/** Which cards a call may (re)write. */
export interface WriteOptions {
  /** rewrite a real card written by another prompt version or model */
  refresh?: boolean;
  /** ask again for papers the LLM failed on, whatever their record */
  retryFailed?: boolean;
}

export interface SummariseMissingOptions extends WriteOptions {
  limit?: number;
  onProgress?: (progress: SummariseProgress) => void;
}

interface Attempt {
  card: Card;
  outcome: CardOutcome;
}

const REPAIR_CAP = 4000;
/** A paper version the LLM failed on this often is not asked again without retryFailed. */
export const MAX_FAILURES = 3;
/** After this many failed repairs in a row, answers are no longer sent back for repair. */
const FAILED_REPAIRS_BEFORE_STOPPING = 3;

/** The message that asks the model to fix its own output, once. */
function repairMessage(problems: string[]): string {
  return [
    CARD_PROBLEMS.repairIntro,
    ...problems.map((p) => `- ${p}`),
    CARD_PROBLEMS.repairOutro,
  ].join("\n");
}

export class Summariser {
  readonly promptVersion: string;
  readonly model: string;
  private readonly cards: CardStore;
  private readonly papers: PaperLookup;
  private readonly llm: LlmClient | null;
  /** false without an API key: every card is a fallback card and none will be written later */
  get hasLlm(): boolean {
    return this.llm !== null;
  }
  private readonly dailyTokens: number;
  private readonly log: Logger;
  private readonly taxonomy: Taxonomy;
  private readonly prompt: CardPrompt;
  private readonly topicIds: ReadonlySet<string>;
  private readonly schema: ResponseSchema;
  private readonly ruleTopics: (paper: Paper) => string[];
  private readonly now: () => Date;
  private readonly slots: Semaphore;
  private readonly inFlight = new Map<string, Promise<Attempt>>();
  private warnedBudgetDay: string | null = null;
  private failedRepairs = 0;
  private calls = 0;
  private promptTokens = 0;
  private completionTokens = 0;

  constructor(options: SummariserOptions) {
    this.cards = options.cards;
    this.papers = options.papers;
    this.llm = options.llm;
    this.model = options.model;
    this.dailyTokens = options.dailyTokens;
    metrics.llmTokenBudget.set(options.dailyTokens);
    this.log = options.log ?? silentLogger;
    this.taxonomy = options.taxonomy ?? loadTaxonomy();
    this.prompt = options.prompt ?? loadCardPrompt();
    this.promptVersion = this.prompt.version;
    this.topicIds = new Set(this.taxonomy.topics.map((t) => t.id));
    this.schema = { name: "paper_card", schema: cardResponseSchema([...this.topicIds]) };
    this.ruleTopics = options.ruleTopics ?? ruleTopics;
    this.now = options.now ?? (() => new Date());
    this.slots = new Semaphore(options.concurrency);
  }

  /** LLM calls and tokens since this summariser was created. */
  get usage(): {
    calls: number;
    requests: number;
    failedRequests: number;
    promptTokens: number;
    completionTokens: number;
  } {
    return {
      calls: this.calls,
      requests: this.llm?.requests.sent ?? 0,
      failedRequests: this.llm?.requests.failed ?? 0,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
    };
  }

  /**
   * The card of one paper (which must be stored). A cached real card costs nothing;
   * concurrent calls for the same paper version share one LLM call. Never throws for LLM
   * trouble: the answer is then a fallback card.
   */
  async cardFor(paper: Paper, options: WriteOptions = {}): Promise<Card> {
    return (await this.attempt(paper, options)).card;
  }

  private attempt(paper: Paper, options: WriteOptions): Promise<Attempt> {
    const cached = options.refresh
      ? this.cards.get(paper.id, paper.version, this.promptVersion, this.model)
      : this.cards.realCardOf(paper.id, paper.version);
    if (cached && !cached.fallback) return Promise.resolve({ card: cached, outcome: "cached" });
    const key = `${paper.id}v${paper.version}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.produce(paper, options).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Whether today's tokens are spent; warns once per UTC day when they are. */
  private overBudget(): boolean {
    const day = utcDay(this.now());
    if (this.cards.usageOn(day).total < this.dailyTokens) return false;
    if (this.warnedBudgetDay !== day) {
      this.warnedBudgetDay = day;
      this.log.warn("daily LLM token budget spent; new papers get fallback cards until tomorrow", {
        day,
        budget: this.dailyTokens,
      });
    }
    return true;
  }

  /** The card to serve without calling the LLM: any real card, else a stored fallback. */
  private withoutLlm(paper: Paper): Card {
    const best = this.cards.best(paper.id);
    if (best && (!best.fallback || best.version === paper.version)) return best;
    const card = fallbackCard(paper, this.ruleTopics(paper));
    this.cards.put(card);
    return card;
  }

  /**
   * Whether the LLM may be asked for this paper version now: not when it failed on it
   * MAX_FAILURES times, nor a second time on the same UTC day (unless retryFailed).
   */
  private mayAsk(paper: Paper, retryFailed: boolean): boolean {
    if (retryFailed) return true;
    const record = this.cards.failureOf(paper.id, paper.version, this.promptVersion, this.model);
    if (!record) return true;
    if (record.failures >= MAX_FAILURES) return false;
    return utcDay(new Date(record.lastFailedAt)) !== utcDay(this.now());
  }

  private async produce(paper: Paper, options: WriteOptions): Promise<Attempt> {
    const attempt = await this.produceCard(paper, options);
    if (
      attempt.outcome === "llm" ||
      attempt.outcome === "fallback" ||
      attempt.outcome === "failed"
    ) {
      metrics.cards.inc({ kind: attempt.outcome });
    }
    return attempt;
  }

  private async produceCard(paper: Paper, options: WriteOptions): Promise<Attempt> {
    const llm = this.llm;
    if (!llm) return { card: this.withoutLlm(paper), outcome: "fallback" };
    if (!this.mayAsk(paper, options.retryFailed ?? false)) {
      return { card: this.withoutLlm(paper), outcome: "skipped" };
    }
    return this.slots.run(async () => {
      if (this.overBudget()) return { card: this.withoutLlm(paper), outcome: "fallback" };
      const spent: CallUsage = { promptTokens: 0, completionTokens: 0 };
      try {
        const written = await this.write(llm, paper, spent);
        const card: Card = {
          ...written.fields,
          ...cardParts(paper),
          fallback: false,
          prompt_version: this.promptVersion,
          model: this.model,
          repairs: written.repairs,
          cleaned: written.cleaned,
        };
        this.cards.put(card, spent);
        metrics.llmTokens.inc(spent.promptTokens + spent.completionTokens);
        metrics.llmTokensToday.set(this.cards.usageOn(utcDay(this.now())).total);
        return { card, outcome: "llm" };
      } catch (error) {
        if (!(error instanceof LlmError || error instanceof CardOutputError)) throw error;
        this.cards.recordFailure(
          paper.id,
          paper.version,
          this.promptVersion,
          this.model,
          this.now(),
        );
        this.log.warn("LLM could not write a card; using a fallback card", {
          paper: paper.id,
          error: error.message,
        });
        return { card: this.withoutLlm(paper), outcome: "failed" };
      }
    });
  }

  /** Reads a reply into the card's fields, against this paper's text and topics. */
  private read(paper: Paper, content: string): ReadAnswer<typeof SHORT_CARD> {
    return parseAnswer(SHORT_CARD, content, {
      topicIds: this.topicIds,
      ruleTopics: () => this.ruleTopics(paper),
      source: sourceText(paper),
      orderTopics: (ids) => specificFirst(ids, this.taxonomy),
    });
  }

  /**
   * One call, and one repair call when an essential field is missing, unless the last few
   * repairs all failed: then a provider is making the same mistake every time, and a repair
   * would only double the bill.
   */
  private async write(
    llm: LlmClient,
    paper: Paper,
    spent: CallUsage,
  ): Promise<ReadAnswer<typeof SHORT_CARD>> {
    const messages = renderCardMessages(this.prompt, paper, this.taxonomy);
    const first = await this.call(llm, messages, spent);
    try {
      return this.read(paper, first.content);
    } catch (error) {
      if (!(error instanceof CardOutputError)) throw error;
      if (this.failedRepairs >= FAILED_REPAIRS_BEFORE_STOPPING) throw error;
      this.log.info("card output rejected; asking the model to repair it", {
        paper: paper.id,
        problems: error.problems.join("; "),
      });
      const repair: ChatMessage[] = [
        ...messages,
        { role: "assistant", content: first.content.slice(0, REPAIR_CAP) },
        { role: "user", content: repairMessage(error.problems) },
      ];
      const second = await this.call(llm, repair, spent);
      try {
        const answer = this.read(paper, second.content);
        this.failedRepairs = 0;
        return { ...answer, repairs: ["repair call", ...answer.repairs] };
      } catch (repairError) {
        if (++this.failedRepairs === FAILED_REPAIRS_BEFORE_STOPPING) {
          this.log.warn("repairs keep failing; answers are no longer sent back for repair", {
            problems: error.problems.join("; "),
          });
        }
        throw repairError;
      }
    }
  }

  private async call(llm: LlmClient, messages: ChatMessage[], spent: CallUsage): Promise<LlmReply> {
    const reply = await llm.complete(messages, this.schema);
    this.cards.recordUsage(reply.usage, this.now());
    spent.promptTokens += reply.usage.promptTokens;
    spent.completionTokens += reply.usage.completionTokens;
    this.calls++;
    this.promptTokens += reply.usage.promptTokens;
    this.completionTokens += reply.usage.completionTokens;
    return reply;
  }

  /**
   * Writes cards for stored papers that lack a real one for this prompt and model (fallback
   * cards included, so they get upgraded), newest announcement first, SUDI_LLM_CONCURRENCY at
   * a time. Without a key or over budget, papers with no card at all get a fallback card.
   */
  async summariseMissing(options: SummariseMissingOptions = {}): Promise<SummariseReport> {
    const missing = this.cards.papersMissingCards(this.promptVersion, this.model, {
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      refresh: options.refresh ?? false,
    });
    const write: WriteOptions = {
      refresh: options.refresh ?? false,
      retryFailed: options.retryFailed ?? false,
    };
    const start = this.usage;
    const report: SummariseReport = {
      done: 0,
      total: missing.length,
      failures: 0,
      tokens: 0,
      written: 0,
      fallbacks: 0,
      skipped: 0,
      calls: 0,
      requests: 0,
      failedRequests: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
    const update = () => {
      const now = this.usage;
      report.calls = now.calls - start.calls;
      report.requests = now.requests - start.requests;
      report.failedRequests = now.failedRequests - start.failedRequests;
      report.promptTokens = now.promptTokens - start.promptTokens;
      report.completionTokens = now.completionTokens - start.completionTokens;
      report.tokens = report.promptTokens + report.completionTokens;
    };
    const progress = (): SummariseProgress => ({
      done: report.done,
      total: report.total,
      failures: report.failures,
      tokens: report.tokens,
    });
    options.onProgress?.(progress());
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const item = missing[next++];
        if (!item) break;
        const paper = this.papers.get(item.id);
        if (paper) {
          const { outcome } = await this.attempt(paper, write);
          if (outcome === "llm" || outcome === "cached") report.written++;
          else report.fallbacks++;
          if (outcome === "failed") report.failures++;
          if (outcome === "skipped") report.skipped++;
        }
        report.done++;
        update();
        options.onProgress?.(progress());
      }
    };
    const workers = Math.min(this.slots.limit, Math.max(1, missing.length));
    await Promise.all(Array.from({ length: workers }, worker));
    update();
    return report;
  }
}

/** The summariser the configuration asks for: no OPENAI_API_KEY, no LLM client. */
export function createSummariser(
  config: Config,
  deps: { cards: CardStore; papers: PaperLookup; log?: Logger },
): Summariser {
  const log = deps.log ?? silentLogger;
  const llm = config.OPENAI_API_KEY
    ? new LlmClient({
        baseURL: config.OPENAI_BASE_URL,
        apiKey: config.OPENAI_API_KEY,
        model: config.OPENAI_MODEL,
        jsonMode: config.SUDI_LLM_JSON_MODE,
        log,
      })
    : null;
  return new Summariser({
    cards: deps.cards,
    papers: deps.papers,
    llm,
    model: config.OPENAI_MODEL,
    dailyTokens: config.SUDI_LLM_DAILY_TOKENS,
    concurrency: config.SUDI_LLM_CONCURRENCY,
    log,
  });
}
