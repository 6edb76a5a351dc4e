/**
 * The deep read (深读) and /ask: what a reader gets for one paper they care about, written from
 * its full text (arXiv's HTML, else the PDF) rather than the abstract.
 *
 * The rules that keep it honest and affordable:
 * - one LLM call per paper version (per question for /ask), cached in SQLite with its prompt
 *   version and model; concurrent requests for the same one share that call;
 * - every call counts in the one daily token budget (llm_usage), and the excerpt the model
 *   reads is cut to SUDI_DEEP_MAX_TOKENS of prompt, sections chosen by priority;
 * - the full text is data: it goes into the prompt between <paper_text> delimiters that
 *   nothing inside it can close, and the prompt says instructions inside are not instructions;
 * - every number in 实验效果 and 重要数据 (and in an answer) must occur in the source by value;
 *   a sentence whose number does not is removed, and the card records it;
 * - 单位 comes from the full text's title block or arXiv's metadata, never from the model.
 *
 * Without a key, without full text, or over budget, the outcome says which, so the reply can
 * say clearly what is missing.
 */
import type { ArxivClient } from "../arxiv/client.ts";
import { type FullText, FullTextUnavailableError, fetchFullText } from "../arxiv/fulltext.ts";
import type { Config } from "../config.ts";
import { DEEP_CARD } from "../core/card-sections.ts";
import { Semaphore } from "../core/concurrency.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { CardStore } from "../store/cards.ts";
import { utcDay } from "../store/cards.ts";
import type { Answer, DeepCard, DeepStore } from "../store/deep.ts";
import type { Paper } from "../store/paper.ts";
import { responseSchemaOf } from "./card.ts";
import { cleanLlmText, sourceText } from "./clean.ts";
import { chooseExcerpt, type Excerpt } from "./excerpt.ts";
import { LlmClient, LlmError, type ResponseSchema } from "./llm.ts";
import { keepSupportedItems, keepSupportedNumbers, sourceNumbers } from "./numbers.ts";
import { authorLine, affiliations as metadataAffiliations } from "./parts.ts";
import {
  type CardPrompt,
  type ChatMessage,
  loadCardPrompt,
  PROMPTS_DIR,
  untrusted,
} from "./prompt.ts";
import { estimateChatTokens } from "./tokens.ts";
import { CardOutputError, cutAtSentence, extractJson, isChinese, readAnswer } from "./validate.ts";

/** Why there is no deep card or answer: no key, no full text, budget spent, or the call failed. */
export type Missing = "no-llm" | "no-fulltext" | "over-budget" | "failed";

export type DeepOutcome =
  | { kind: "card"; card: DeepCard; cached: boolean }
  | { kind: "missing"; reason: Missing };

export type AskOutcome =
  | { kind: "answer"; answer: Answer; cached: boolean }
  | { kind: "missing"; reason: Missing };

export interface DeepReaderOptions {
  deep: DeepStore;
  /** where usage is recorded and the daily budget read */
  cards: Pick<CardStore, "recordUsage" | "usageOn">;
  /** null without OPENAI_API_KEY */
  llm: LlmClient | null;
  model: string;
  dailyTokens: number;
  /** SUDI_DEEP_MAX_TOKENS: the prompt's cap, excerpt included */
  maxPromptTokens: number;
  /** the full text of a paper version; throws FullTextUnavailableError when there is none */
  fullText: (paper: Paper) => Promise<FullText>;
  log?: Logger;
  now?: () => Date;
  deepPrompt?: CardPrompt;
  askPrompt?: CardPrompt;
  /** LLM calls in flight at once for deep reads and questions (default 2) */
  concurrency?: number;
}

/** A question longer than this is refused before any call. */
export const MAX_QUESTION_LENGTH = 300;
/** Completion caps: a deep card is about 1,500 Chinese characters, an answer 300. */
const DEEP_COMPLETION_TOKENS = 2500;
const ASK_COMPLETION_TOKENS = 900;
/** Full texts kept in memory, so /deep then /ask on one paper fetch it once. */
const FULL_TEXT_CACHE = 16;
const MAX_AFFILIATIONS = 5;
const MAX_QUOTES = 3;
const QUOTE_MAX = 200;
const ANSWER_MAX = 400;

const ASK_SCHEMA: ResponseSchema = {
  name: "paper_answer",
  schema: {
    type: "object",
    properties: {
      answered: { type: "boolean" },
      answer: { type: "string" },
      quotes: {
        type: "array",
        maxItems: MAX_QUOTES,
        items: {
          type: "object",
          properties: { section: { type: "string" }, text: { type: "string" } },
          required: ["section", "text"],
          additionalProperties: false,
        },
      },
    },
    required: ["answered", "answer", "quotes"],
    additionalProperties: false,
  },
};

/**
 * Untrusted multi-line text for a delimited block: control characters out, angle brackets made
 * full-width (so `</paper_text>` inside a paper cannot close the block), line breaks kept (the
 * excerpt's `## Section` headings are how the model names what it quotes).
 */
export function untrustedBlock(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ")
      .replace(/</g, "＜")
      .replace(/>/g, "＞")
      .replace(/[ \t]+/g, " ")
      .trim()
  );
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? "");
}

/** The excerpt's section titles, as the model may quote them. */
function titleKey(title: string): string {
  return title
    .replace(/（节选）$/, "")
    .normalize("NFKC")
    .toLowerCase()
    .replace(/^[\d.\s]+/, "")
    .trim();
}

/** All the text a number may come from: the full text and the paper's own metadata. */
function numberSource(paper: Paper, text: FullText): string {
  return [sourceText(paper), ...text.sections.map((s) => `${s.title}\n${s.text}`)].join("\n");
}

function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) {
    return value.trim().toLowerCase() === "true";
  }
  return undefined;
}

export class DeepReader {
  readonly promptVersion: string;
  readonly askPromptVersion: string;
  readonly model: string;
  private readonly options: DeepReaderOptions;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly deepPrompt: CardPrompt;
  private readonly askPrompt: CardPrompt;
  private readonly schema: ResponseSchema;
  private readonly slots: Semaphore;
  private readonly texts = new Map<string, Promise<FullText>>();
  private readonly inFlight = new Map<string, Promise<DeepOutcome | AskOutcome>>();

  constructor(options: DeepReaderOptions) {
    this.options = options;
    this.model = options.model;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    this.deepPrompt = options.deepPrompt ?? loadCardPrompt(`${PROMPTS_DIR}/deep-v1.txt`, DEEP_CARD);
    this.askPrompt = options.askPrompt ?? loadCardPrompt(`${PROMPTS_DIR}/ask-v1.txt`, DEEP_CARD);
    this.promptVersion = this.deepPrompt.version;
    this.askPromptVersion = this.askPrompt.version;
    this.schema = { name: "deep_card", schema: responseSchemaOf(DEEP_CARD, []) };
    this.slots = new Semaphore(options.concurrency ?? 2);
  }

  /** Whether a deep card is stored for this paper version (then it costs nothing). */
  cached(paper: Paper): DeepCard | undefined {
    return this.options.deep.card(paper.id, paper.version, this.promptVersion, this.model);
  }

  /** Whether an answer to this question is stored (then it costs nothing). */
  cachedAnswer(paper: Paper, question: string): Answer | undefined {
    return this.options.deep.answer(
      paper.id,
      paper.version,
      question,
      this.askPromptVersion,
      this.model,
    );
  }

  /** The deep card of a stored paper: cached, or written now (one call). Never throws for
   * LLM or full-text trouble: the outcome says what is missing. */
  deepCard(paper: Paper): Promise<DeepOutcome> {
    const cached = this.cached(paper);
    if (cached) return Promise.resolve({ kind: "card", card: cached, cached: true });
    return this.shared(`deep ${paper.id}v${paper.version}`, () => this.writeCard(paper));
  }

  /** An answer from the paper's full text to one question (at most MAX_QUESTION_LENGTH). */
  ask(paper: Paper, question: string): Promise<AskOutcome> {
    const cached = this.cachedAnswer(paper, question);
    if (cached) return Promise.resolve({ kind: "answer", answer: cached, cached: true });
    return this.shared(`ask ${paper.id}v${paper.version} ${question}`, () =>
      this.writeAnswer(paper, question),
    );
  }

  private shared<T extends DeepOutcome | AskOutcome>(key: string, make: () => Promise<T>) {
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = make().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private overBudget(): boolean {
    const day = utcDay(this.now());
    return this.options.cards.usageOn(day).total >= this.options.dailyTokens;
  }

  /** The full text, fetched once per paper version while it stays in the small cache. */
  private fullText(paper: Paper): Promise<FullText> {
    const key = `${paper.id}v${paper.version}`;
    let text = this.texts.get(key);
    if (!text) {
      text = this.options.fullText(paper);
      text.catch(() => this.texts.delete(key));
      this.texts.set(key, text);
      if (this.texts.size > FULL_TEXT_CACHE) {
        const oldest = this.texts.keys().next().value;
        if (oldest !== undefined) this.texts.delete(oldest);
      }
    }
    return text;
  }

  /** The full text and the excerpt that fits the prompt cap, or why there is none. */
  private async prepare(
    paper: Paper,
    prompt: CardPrompt,
    values: Record<string, string>,
  ): Promise<{ text: FullText; excerpt: Excerpt; messages: ChatMessage[] } | Missing> {
    if (!this.options.llm) return "no-llm";
    if (this.overBudget()) return "over-budget";
    let text: FullText;
    try {
      text = await this.fullText(paper);
    } catch (error) {
      if (!(error instanceof FullTextUnavailableError)) throw error;
      this.log.info("no full text for a deep read", { paper: paper.id, error: error.message });
      return "no-fulltext";
    }
    const all = { ...values, id: untrusted(paper.id, 40), title: untrusted(paper.title, 300) };
    const render = (excerpt: string): ChatMessage[] => [
      { role: "system", content: fill(prompt.system, { ...all, excerpt }) },
      { role: "user", content: fill(prompt.user, { ...all, excerpt }) },
    ];
    // The cap is on the whole prompt: the excerpt gets what the frame leaves.
    const frame = estimateChatTokens(render(""));
    const excerpt = chooseExcerpt(text.sections, Math.max(0, this.options.maxPromptTokens - frame));
    return { text, excerpt, messages: render(untrustedBlock(excerpt.text)) };
  }

  private async call(llm: LlmClient, messages: ChatMessage[], schema: ResponseSchema, max: number) {
    const reply = await llm.complete(messages, schema, { maxTokens: max });
    const usage = {
      promptTokens: reply.usage.promptTokens,
      completionTokens: reply.usage.completionTokens,
    };
    this.options.cards.recordUsage(usage, this.now());
    return { content: reply.content, usage };
  }

  private async writeCard(paper: Paper): Promise<DeepOutcome> {
    const prepared = await this.prepare(paper, this.deepPrompt, {});
    if (typeof prepared === "string") return { kind: "missing", reason: prepared };
    const llm = this.options.llm as LlmClient;
    const { text, excerpt, messages } = prepared;
    return this.slots.run(async (): Promise<DeepOutcome> => {
      try {
        const reply = await this.call(llm, messages, this.schema, DEEP_COMPLETION_TOKENS);
        const source = numberSource(paper, text);
        const read = readAnswer(DEEP_CARD, extractJson(reply.content), {
          topicIds: new Set(),
          ruleTopics: () => [],
          // links and mentions may stay only when the paper's metadata has them: the body
          // of the full text is where an injected "visit evil.xyz" would sit
          source: sourceText(paper),
        });
        const known = sourceNumbers(source);
        const experiments = keepSupportedNumbers(read.fields.experiments, known);
        const results = keepSupportedItems(read.fields.key_results, known);
        const removed = [...experiments.removed, ...results.removed];
        const fromText = text.affiliations.map((a) => a.replace(/\s+/g, " ").trim());
        const affiliations = [...new Set(fromText.length ? fromText : metadataAffiliations(paper))]
          .filter(Boolean)
          .map((a) => cutAtSentence(a, 80))
          .slice(0, MAX_AFFILIATIONS);
        const card: DeepCard = {
          ...read.fields,
          experiments: experiments.text,
          key_results: results.items,
          paper_id: paper.id,
          version: paper.version,
          title_en: paper.title,
          authors: authorLine(paper),
          affiliations,
          source: text.source,
          source_url: text.url,
          excerpt: { tokens: excerpt.tokens, cut: excerpt.cut, omitted: excerpt.omitted },
          numbers_removed: removed,
          repairs: read.repairs,
          cleaned: read.cleaned,
          prompt_version: this.promptVersion,
          model: this.model,
        };
        if (removed.length > 0) {
          this.log.info("deep card: numbers not in the source removed", {
            paper: paper.id,
            removed: removed.length,
          });
        }
        this.options.deep.putCard(card, reply.usage);
        return { kind: "card", card, cached: false };
      } catch (error) {
        if (!(error instanceof LlmError || error instanceof CardOutputError)) throw error;
        this.log.warn("LLM could not write a deep card", { paper: paper.id, error: error.message });
        return { kind: "missing", reason: "failed" };
      }
    });
  }

  private async writeAnswer(paper: Paper, question: string): Promise<AskOutcome> {
    const asked = untrusted(question, MAX_QUESTION_LENGTH);
    const prepared = await this.prepare(paper, this.askPrompt, { question: asked });
    if (typeof prepared === "string") return { kind: "missing", reason: prepared };
    const llm = this.options.llm as LlmClient;
    const { text, excerpt, messages } = prepared;
    return this.slots.run(async (): Promise<AskOutcome> => {
      try {
        const reply = await this.call(llm, messages, ASK_SCHEMA, ASK_COMPLETION_TOKENS);
        const answer = this.readAnswer(paper, question, text, excerpt, reply.content);
        this.options.deep.putAnswer(answer);
        return { kind: "answer", answer, cached: false };
      } catch (error) {
        if (!(error instanceof LlmError || error instanceof CardOutputError)) throw error;
        this.log.warn("LLM could not answer a question", { paper: paper.id, error: error.message });
        return { kind: "missing", reason: "failed" };
      }
    });
  }

  /**
   * Reads the model's answer: Chinese prose cleaned like any LLM text, numbers checked against
   * the source, and quotes kept only under a section title the excerpt really has.
   */
  private readAnswer(
    paper: Paper,
    question: string,
    text: FullText,
    excerpt: Excerpt,
    content: string,
  ): Answer {
    const raw = extractJson(content);
    const source = numberSource(paper, text);
    const answered = readBoolean(raw.answered) ?? true;
    const rawAnswer = typeof raw.answer === "string" ? raw.answer : "";
    const lower = sourceText(paper);
    let answer = cutAtSentence(cleanLlmText(rawAnswer, lower).text.trim(), ANSWER_MAX);
    if (!answer || !isChinese(answer)) {
      if (answered) throw new CardOutputError(["answer: missing or not Chinese"]);
      answer = "";
    }
    const checked = keepSupportedNumbers(answer, sourceNumbers(source));
    const titles = new Map(
      [...excerpt.included, ...excerpt.cut].map((title) => [titleKey(title), title]),
    );
    const quotes: Answer["quotes"] = [];
    for (const q of Array.isArray(raw.quotes) ? raw.quotes : []) {
      if (!answered || !q || typeof q !== "object") continue;
      const { section, text: quoted } = q as Record<string, unknown>;
      if (typeof section !== "string" || typeof quoted !== "string") continue;
      const title = titles.get(titleKey(section));
      const clean = cutAtSentence(cleanLlmText(quoted, lower).text.trim(), QUOTE_MAX);
      if (title && clean) quotes.push({ section: title, text: clean });
    }
    return {
      paper_id: paper.id,
      version: paper.version,
      question,
      answered: answered && checked.text.length > 0,
      answer: checked.text,
      quotes: quotes.slice(0, MAX_QUOTES),
      numbers_removed: checked.removed,
      prompt_version: this.askPromptVersion,
      model: this.model,
    };
  }
}

/** The deep reader the configuration asks for: full text through the app's paced arXiv
 * client; no OPENAI_API_KEY, no LLM client (every outcome is then "no-llm"). */
export function createDeepReader(
  config: Config,
  deps: {
    deep: DeepStore;
    cards: CardStore;
    arxiv: () => ArxivClient;
    log?: Logger;
    now?: () => Date;
  },
): DeepReader {
  const log = deps.log ?? silentLogger;
  const llm = config.OPENAI_API_KEY
    ? new LlmClient({
        baseURL: config.OPENAI_BASE_URL,
        apiKey: config.OPENAI_API_KEY,
        model: config.OPENAI_MODEL,
        jsonMode: config.SUDI_LLM_JSON_MODE,
        timeoutMs: 120_000,
        log,
      })
    : null;
  const urls = { htmlUrl: config.ARXIV_HTML_URL, pdfUrl: config.ARXIV_PDF_URL };
  return new DeepReader({
    deep: deps.deep,
    cards: deps.cards,
    llm,
    model: config.OPENAI_MODEL,
    dailyTokens: config.SUDI_LLM_DAILY_TOKENS,
    maxPromptTokens: config.SUDI_DEEP_MAX_TOKENS,
    fullText: (paper) => fetchFullText(deps.arxiv(), paper.id, paper.version, urls),
    log,
    ...(deps.now ? { now: deps.now } : {}),
  });
}
