/**
 * `sudi digest [--topics a,b] [--date D] [--format text|markdown|html|json]`: prints a digest
 * from the store, as a chat subscribed to those topics would see it (already-sent papers
 * included, nothing recorded as sent). Without --topics, every topic of the taxonomy, so the
 * whole announcement grouped by chapter.
 */
import { buildApp } from "../app.ts";
import { MAX_DIGEST_LIMIT, MIN_DIGEST_LIMIT } from "../commands/settings.ts";
import { MAX_ITEMS, resolveItem } from "../commands/subscriptions.ts";
import { loadConfig } from "../config.ts";
import type { RichMessage } from "../core/message.ts";
import type { Digest } from "../digest/digest.ts";
import { toHtml } from "../digest/render/html.ts";
import { toMarkdown } from "../digest/render/markdown.ts";
import { toPlainText } from "../digest/render/text.ts";
import type { Chat, Density } from "../store/chats.ts";
import { IsoDateSchema } from "../store/paper.ts";
import type { Subscription } from "../store/subscriptions.ts";
import { loadTaxonomy } from "../topics/taxonomy.ts";
import { type CliCommand, type CliIo, parseFlags, topicsFlag, UsageError } from "./command.ts";

const FORMATS = ["text", "markdown", "html", "json"] as const;
type Format = (typeof FORMATS)[number];

export interface DigestArgs {
  topics: string[];
  date: string | undefined;
  format: Format;
  density: Density;
  limit: number;
}

const HELP = `Usage: sudi digest [--topics a,b] [--date YYYY-MM-DD] [--format F] [--brief] [--limit N]

Prints the digest of an announcement day from the store (default: the latest one), as a
chat subscribed to --topics would receive it. Nothing is sent or recorded as sent.

Options:
  --topics a,b  topics, aliases, arXiv categories or keyword phrases, comma-separated
                (e.g. 文生视频,cs.CV,"speculative decoding"); default: every topic
  --date D      the announcement day, YYYY-MM-DD; default: the latest stored
  --format F    text (default), markdown, html, or json: {announceDate, totalMatched,
                items: [{id, version, title, card, matched: [{kind, value}]}]} in digest order
  --brief       one line per paper instead of full cards
  --limit N     at most N papers (${MIN_DIGEST_LIMIT}..${MAX_DIGEST_LIMIT}, default 20)
  --help        this text`;

export function parseDigestArgs(args: string[]): DigestArgs {
  const { values } = parseFlags(args, {
    topics: { type: "string" },
    date: { type: "string" },
    format: { type: "string", default: "text" },
    brief: { type: "boolean", default: false },
    limit: { type: "string", default: "20" },
  });
  const format = String(values.format);
  if (!FORMATS.includes(format as Format)) {
    throw new UsageError(`--format expects one of ${FORMATS.join(", ")}`);
  }
  const date = values.date === undefined ? undefined : String(values.date);
  if (date !== undefined && !IsoDateSchema.safeParse(date).success) {
    throw new UsageError("--date expects YYYY-MM-DD");
  }
  const limitText = String(values.limit);
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < MIN_DIGEST_LIMIT || limit > MAX_DIGEST_LIMIT) {
    throw new UsageError(
      `--limit expects a whole number from ${MIN_DIGEST_LIMIT} to ${MAX_DIGEST_LIMIT}`,
    );
  }
  const topics = topicsFlag(values.topics, MAX_ITEMS * 5);
  return {
    topics,
    date,
    format: format as Format,
    density: values.brief ? "brief" : "full",
    limit,
  };
}

/** The subscriptions --topics stands for; every topic of the taxonomy when none. */
function subscriptionsFor(topics: string[]): Subscription[] {
  const createdAt = new Date().toISOString();
  const sub = (kind: Subscription["kind"], value: string): Subscription => ({
    chat: 0,
    kind,
    value,
    addedBy: null,
    createdAt,
  });
  if (topics.length === 0) return loadTaxonomy().topics.map((t) => sub("topic", t.id));
  return topics.map((t) => {
    const r = resolveItem(t);
    if (!r.ok) throw new UsageError(`--topics: ${r.error}`);
    return sub(r.target.kind, r.target.value);
  });
}

function render(message: RichMessage, format: Exclude<Format, "json">): string {
  if (format === "markdown") return toMarkdown(message);
  if (format === "html") return toHtml(message);
  return toPlainText(message);
}

/** The JSON shape scripts read: documented in --help and the README. */
export function digestJson(digest: Digest): unknown {
  return {
    announceDate: digest.announceDate,
    totalMatched: digest.totalMatched,
    items: digest.items.map((i) => ({
      id: i.paper.id,
      version: i.paper.version,
      title: i.paper.title,
      card: i.card,
      matched: i.matched.map((s) => ({ kind: s.kind, value: s.value })),
    })),
  };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const options = parseDigestArgs(args);
  const subs = subscriptionsFor(options.topics);
  const config = loadConfig(io.env);
  const app = buildApp({ config, offline: true });
  try {
    const { digests, papers } = app;
    const date = options.date ?? papers.latestAnnounceDate();
    if (!date) {
      io.err("sudi digest: the store has no announcement yet; run `sudi ingest` first");
      return 1;
    }
    const chat: Chat = {
      id: 0,
      platform: "console",
      chatId: "cli",
      type: "private",
      title: null,
      timezone: config.SUDI_TIMEZONE,
      digestTime: config.SUDI_DIGEST_TIME,
      paused: false,
      digestLimit: options.limit,
      density: options.density,
      active: true,
    };
    const digest = digests.forSubscriptions(chat, subs, { date, includeSent: true });
    if (!digest) {
      if (options.format === "json") {
        io.out(JSON.stringify({ announceDate: date, totalMatched: 0, items: [] }, null, 2));
      } else {
        io.err(
          `sudi digest: no paper of ${date} matches (${digests.paperCount(date)} papers that day)`,
        );
      }
      return options.format === "json" ? 0 : 1;
    }
    if (options.format === "json") io.out(JSON.stringify(digestJson(digest), null, 2));
    else io.out(render(digest.message, options.format));
    return 0;
  } finally {
    app.close();
  }
}

export const command: CliCommand = {
  name: "digest",
  help: HELP,
  run,
};
