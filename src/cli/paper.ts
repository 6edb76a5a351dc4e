/**
 * `sudi paper <id or URL> [--format text|markdown|html|json]`: one paper's card. An unknown
 * paper is fetched from arXiv and stored first; the card comes from the cache or is written
 * on the spot (a fallback card without OPENAI_API_KEY). `--format json` prints the card with
 * its contract field names, plus `chapter` (the digest chapter of its first topic).
 */

import type { App } from "../app.ts";
import { buildApp } from "../app.ts";
import { INTERACTIVE_WAIT_MS } from "../arxiv/client.ts";
import { ArxivHttpError, ArxivNetworkError } from "../arxiv/errors.ts";
import { InvalidPaperIdError, parsePaperId } from "../arxiv/ids.ts";
import { loadConfig } from "../config.ts";
import { DEEP_CARD, SHORT_CARD } from "../core/card-sections.ts";
import type { RichMessage } from "../core/message.ts";
import { DEEP } from "../core/texts/deep.ts";
import { cardMessage } from "../digest/card-message.ts";
import { deepCardMessage } from "../digest/deep-message.ts";
import { toHtml } from "../digest/render/html.ts";
import { toMarkdown } from "../digest/render/markdown.ts";
import { toPlainText } from "../digest/render/text.ts";
import type { Paper } from "../store/paper.ts";
import type { Missing } from "../summarise/deep.ts";
import { chapterOf } from "../topics/match.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

export const FORMATS = ["text", "markdown", "html", "json"] as const;
export type Format = (typeof FORMATS)[number];

const HELP = `Usage: sudi paper <id or URL> [--deep] [--format text|markdown|html|json]

Prints the Chinese card of one arXiv paper. A paper that is not stored yet is fetched from
the arXiv API first; a paper without a card is summarised now (one LLM call, cached).
Without OPENAI_API_KEY the card is built from the metadata and marked as a fallback.

Accepted ids: ${InvalidPaperIdError.ACCEPTED_FORMS.join(", ")}

With --deep, prints the deep-read card (深读) instead: written from the paper's full text
(arXiv's HTML at ARXIV_HTML_URL, else the PDF at ARXIV_PDF_URL), one LLM call per paper
version, cached; at most SUDI_DEEP_MAX_TOKENS prompt tokens. Without a key or full text it
says what is missing on stderr, prints the short card and exits with 1.

Options:
  --deep      the deep-read card; --format json prints its fields (${Object.keys(DEEP_CARD).join(", ")},
              paper_id, version, title_en, authors, affiliations, source, source_url, excerpt,
              numbers_removed, repairs, cleaned, prompt_version, model)
  --format F  text (default), markdown, html, or json: the card's fields (${Object.keys(SHORT_CARD).join(", ")},
              title_en, authors, affiliations, venue, links, fallback, prompt_version, model,
              repairs, cleaned, chapter)
  --help      this text`;

/** `<id>`, `--deep` and `--format F` / `--format=F`, in any order. */
export function parsePaperArgs(args: string[]): { input: string; format: Format; deep: boolean } {
  const { values, positionals } = parseFlags(
    args,
    { format: { type: "string", default: "text" }, deep: { type: "boolean", default: false } },
    { positionals: true },
  );
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--format expects one of ${FORMATS.join(", ")}`);
  }
  const [input, extra] = positionals;
  if (input === undefined) throw new UsageError("which paper? give an arXiv id or URL");
  if (extra !== undefined) {
    throw new UsageError(`one paper at a time (got "${input}" and "${extra}")`);
  }
  return { input, format, deep: values.deep };
}

/** The stored paper `id`, fetched from arXiv first when it is not stored; or an exit code. */
export async function loadPaper(
  app: App,
  id: string,
  io: CliIo,
  name: string,
): Promise<Paper | number> {
  const { papers } = app;
  const stored = papers.get(id);
  if (stored) return stored;
  let fetched: Paper | undefined;
  try {
    fetched = (await app.arxiv().fetchByIds([id], { waitMs: INTERACTIVE_WAIT_MS })).find(
      (p) => p.id === id,
    );
  } catch (error) {
    if (!(error instanceof ArxivNetworkError || error instanceof ArxivHttpError)) throw error;
    const why =
      error instanceof ArxivNetworkError && error.unreachable
        ? "the network is unreachable"
        : error.message;
    io.err(
      `sudi ${name}: arXiv cannot be reached (${why}); ${id} is not in the store yet. Try again later.`,
    );
    return 1;
  }
  if (!fetched) {
    io.err(`sudi ${name}: arXiv has no paper ${id}`);
    return 1;
  }
  papers.upsert(fetched);
  return papers.get(id) ?? fetched;
}

/** A message in the asked format. */
export function formatted(message: RichMessage, format: Exclude<Format, "json">): string {
  if (format === "markdown") return toMarkdown(message);
  if (format === "html") return toHtml(message);
  return toPlainText(message);
}

/** Why there is no deep card, in the reader's words, for stderr. */
export const MISSING_TEXT: Record<Missing, (id: string) => string> = {
  "no-llm": () => DEEP.noLlm,
  "no-fulltext": (id) => DEEP.noFullText(id),
  "over-budget": () => DEEP.overBudget,
  failed: () => DEEP.failed,
};

async function run(args: string[], io: CliIo): Promise<number> {
  const { input, format, deep } = parsePaperArgs(args);
  const id = paperIdOf(input);
  const config = loadConfig(io.env);
  const app = buildApp({ config });
  try {
    const paper = await loadPaper(app, id, io, "paper");
    if (typeof paper === "number") return paper;
    let exit = 0;
    if (deep) {
      const outcome = await app.deep.deepCard(paper);
      if (outcome.kind === "card") {
        io.out(
          format === "json"
            ? JSON.stringify(outcome.card, null, 2)
            : formatted(deepCardMessage(outcome.card), format),
        );
        return 0;
      }
      // what is missing, then the short card, as in the chats
      io.err(MISSING_TEXT[outcome.reason](id));
      exit = 1;
    }
    const card = await app.summariser.cardFor(paper);
    if (card.fallback && !config.OPENAI_API_KEY && !deep) {
      io.err("note: OPENAI_API_KEY is not set; this card was built without the LLM");
    }
    io.out(
      format === "json"
        ? JSON.stringify({ ...card, chapter: chapterOf(card.topics) }, null, 2)
        : formatted(cardMessage(card, undefined, app.summariser.hasLlm), format),
    );
    return exit;
  } finally {
    app.close();
  }
}

/** The arXiv id of what the user typed; a UsageError when it is none. */
export function paperIdOf(input: string): string {
  try {
    return parsePaperId(input).id;
  } catch (error) {
    if (error instanceof InvalidPaperIdError) throw new UsageError(error.message);
    throw error;
  }
}

export const command: CliCommand = {
  name: "paper",
  help: HELP,
  run,
};
