/**
 * `sudi paper <id or URL> [--format text|markdown|html|json]`: one paper's card. An unknown
 * paper is fetched from arXiv and stored first; the card comes from the cache or is written
 * on the spot (a fallback card without OPENAI_API_KEY). `--format json` prints the card with
 * its contract field names, plus `chapter` (the digest chapter of its first topic).
 */

import { buildApp } from "../app.ts";
import { INTERACTIVE_WAIT_MS } from "../arxiv/client.ts";
import { ArxivHttpError, ArxivNetworkError } from "../arxiv/errors.ts";
import { InvalidPaperIdError, parsePaperId } from "../arxiv/ids.ts";
import { loadConfig } from "../config.ts";
import { SHORT_CARD } from "../core/card-sections.ts";
import { cardMessage } from "../digest/card-message.ts";
import { toHtml } from "../digest/render/html.ts";
import { toMarkdown } from "../digest/render/markdown.ts";
import { toPlainText } from "../digest/render/text.ts";
import { chapterOf } from "../topics/match.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

const FORMATS = ["text", "markdown", "html", "json"] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: sudi paper <id or URL> [--format text|markdown|html|json]

Prints the Chinese card of one arXiv paper. A paper that is not stored yet is fetched from
the arXiv API first; a paper without a card is summarised now (one LLM call, cached).
Without OPENAI_API_KEY the card is built from the metadata and marked as a fallback.

Accepted ids: ${InvalidPaperIdError.ACCEPTED_FORMS.join(", ")}

Options:
  --format F  text (default), markdown, html, or json: the card's fields (${Object.keys(SHORT_CARD).join(", ")},
              title_en, authors, affiliations, venue, links, fallback, prompt_version, model,
              repairs, cleaned, chapter)
  --help      this text`;

/** `<id>` and `--format F` / `--format=F`, in any order. */
export function parsePaperArgs(args: string[]): { input: string; format: Format } {
  const { values, positionals } = parseFlags(
    args,
    { format: { type: "string", default: "text" } },
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
  return { input, format };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { input, format } = parsePaperArgs(args);
  let id: string;
  try {
    id = parsePaperId(input).id;
  } catch (error) {
    if (error instanceof InvalidPaperIdError) throw new UsageError(error.message);
    throw error;
  }
  const config = loadConfig(io.env);
  const app = buildApp({ config });
  try {
    const { papers } = app;
    let paper = papers.get(id);
    if (!paper) {
      let fetched:
        | Awaited<ReturnType<ReturnType<typeof app.arxiv>["fetchByIds"]>>[number]
        | undefined;
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
          `sudi paper: arXiv cannot be reached (${why}); ${id} is not in the store yet. Try again later.`,
        );
        return 1;
      }
      if (!fetched) {
        io.err(`sudi paper: arXiv has no paper ${id}`);
        return 1;
      }
      papers.upsert(fetched);
      paper = papers.get(id) ?? fetched;
    }
    const card = await app.summariser.cardFor(paper);
    if (card.fallback && !config.OPENAI_API_KEY) {
      io.err("note: OPENAI_API_KEY is not set; this card was built without the LLM");
    }
    switch (format) {
      case "json":
        io.out(JSON.stringify({ ...card, chapter: chapterOf(card.topics) }, null, 2));
        break;
      case "markdown":
        io.out(toMarkdown(cardMessage(card)));
        break;
      case "html":
        io.out(toHtml(cardMessage(card)));
        break;
      default:
        io.out(toPlainText(cardMessage(card)));
    }
    return 0;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "paper",
  summary: "print one paper's Chinese card, fetching and summarising it on demand",
  help: HELP,
  run,
};
