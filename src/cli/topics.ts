/** `sudi topics`: the taxonomy grouped by digest chapter, as text for people or JSON for scripts. */
import { TOPICS_CLI } from "../core/texts/cli.ts";
import { loadTaxonomy, type Topic, topicsByChapter } from "../topics/taxonomy.ts";
import type { CliCommand } from "./command.ts";
import { parseFlags, UsageError } from "./command.ts";

const HELP = `Usage: sudi topics [--format text|json]

Lists the topic taxonomy (data/topics.json) grouped by digest chapter: each topic's
Chinese name, id, aliases and an example subscription.

Options:
  --format text   readable list (default)
  --format json   one JSON object: { version, chapters: [{ chapter, topics: [{ id, name,
                  aliases, categories, keywords, description, example }] }] }
  -h, --help      this help`;

type Format = "text" | "json";

function parseTopicsArgs(args: string[]): Format {
  const { values } = parseFlags(args, { format: { type: "string", default: "text" } });
  const given = values.format;
  if (given !== "text" && given !== "json") {
    throw new UsageError(`--format must be text or json, not ${JSON.stringify(given)}`);
  }
  return given;
}

/** What a user would type to subscribe: the Chinese name, since that is what the digest shows. */
function example(topic: Topic): string {
  return `/subscribe ${topic.name}`;
}

function asText(): string {
  const taxonomy = loadTaxonomy();
  const lines = [TOPICS_CLI.title(taxonomy.topics.length)];
  for (const { chapter, topics } of topicsByChapter(taxonomy)) {
    lines.push("", TOPICS_CLI.chapter(chapter));
    for (const topic of topics) {
      lines.push(`  ${topic.name}  (${topic.id})  ${topic.description}`);
      if (topic.aliases.length > 0) lines.push(TOPICS_CLI.aliases(topic.aliases));
      if (topic.categories.length > 0) lines.push(TOPICS_CLI.categories(topic.categories));
      lines.push(TOPICS_CLI.example(example(topic)));
    }
  }
  lines.push("", TOPICS_CLI.footer);
  return lines.join("\n");
}

function asJson(): string {
  const taxonomy = loadTaxonomy();
  return JSON.stringify({
    version: taxonomy.version,
    chapters: topicsByChapter(taxonomy).map(({ chapter, topics }) => ({
      chapter,
      topics: topics.map((t) => ({
        id: t.id,
        name: t.name,
        aliases: t.aliases,
        categories: t.categories,
        keywords: t.keywords,
        description: t.description,
        example: example(t),
      })),
    })),
  });
}

export const command: CliCommand = {
  name: "topics",
  help: HELP,
  run: async (args, io) => {
    const format = parseTopicsArgs(args);
    io.out(format === "json" ? asJson() : asText());
    return 0;
  },
};
