/**
 * `sudi ask <id or URL> "<问题>" [--format text|markdown|html|json]`: a question to one paper,
 * answered in Chinese from its full text, quoting the sections the answer relies on. Answers are
 * cached per question, and share the daily token budget with cards and deep reads.
 */
import { buildApp } from "../app.ts";
import { InvalidPaperIdError } from "../arxiv/ids.ts";
import { loadConfig } from "../config.ts";
import { DEEP } from "../core/texts/deep.ts";
import { answerMessage } from "../digest/deep-message.ts";
import { MAX_QUESTION_LENGTH, type Missing } from "../summarise/deep.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";
import { FORMATS, type Format, formatted, loadPaper, paperIdOf } from "./paper.ts";

const HELP = `Usage: sudi ask <id or URL> "<question>" [--format text|markdown|html|json]

Answers a question about one arXiv paper in Chinese, from its full text (arXiv's HTML, else
the PDF), quoting the sections it relies on, and says so when the paper does not answer it.
One LLM call per question (cached); needs OPENAI_API_KEY.

Accepted ids: ${InvalidPaperIdError.ACCEPTED_FORMS.join(", ")}

Options:
  --format F  text (default), markdown, html, or json (paper_id, version, question, answered,
              answer, quotes [{section, text}], numbers_removed, prompt_version, model)
  --help      this text`;

const ASK_MISSING: Record<Missing, (id: string) => string> = {
  "no-llm": () => DEEP.noLlmAsk,
  "no-fulltext": (id) => DEEP.noFullTextAsk(id),
  "over-budget": () => DEEP.overBudgetAsk,
  failed: () => DEEP.failedAsk,
};

export function parseAskArgs(args: string[]): { input: string; question: string; format: Format } {
  const { values, positionals: words } = parseFlags(
    args,
    { format: { type: "string", default: "text" } },
    { positionals: true },
  );
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--format expects one of ${FORMATS.join(", ")}`);
  }
  const [input, ...rest] = words;
  const question = rest.join(" ").trim();
  if (!input || !question)
    throw new UsageError('give a paper and a question: sudi ask 2404.14469 "问题"');
  if (Array.from(question).length > MAX_QUESTION_LENGTH) {
    throw new UsageError(`the question is longer than ${MAX_QUESTION_LENGTH} characters`);
  }
  return { input, question, format };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { input, question, format } = parseAskArgs(args);
  const id = paperIdOf(input);
  const app = buildApp({ config: loadConfig(io.env) });
  try {
    const paper = await loadPaper(app, id, io, "ask");
    if (typeof paper === "number") return paper;
    const outcome = await app.deep.ask(paper, question);
    if (outcome.kind === "missing") {
      io.err(ASK_MISSING[outcome.reason](id));
      return 1;
    }
    io.out(
      format === "json"
        ? JSON.stringify(outcome.answer, null, 2)
        : formatted(answerMessage(outcome.answer), format),
    );
    return 0;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "ask",
  help: HELP,
  run,
};
