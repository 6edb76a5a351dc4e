/**
 * A person's papers: /saved (their ⭐, paged), /export bibtex|csv (as a file), /similar
 * (nearest papers by tf-idf), /top (the chat's most liked of the last 7 days) and /forget
 * (deletes their votes and saved papers).
 */
import { InvalidPaperIdError, parsePaperId } from "../arxiv/ids.ts";
import {
  attachment,
  bold,
  italic,
  type Line,
  link,
  type RichMessage,
  span,
} from "../core/message.ts";
import { COMMAND_HELP } from "../core/texts/commands.ts";
import { R } from "../core/texts/ranking.ts";
import { toBibtex, toCsv } from "../ranking/export.ts";
import { absUrl } from "../store/paper.ts";
import type { Command, CommandDeps } from "./context.ts";
import { echo } from "./input.ts";
import type { PersonalServices } from "./personal.ts";
import { reply } from "./reply.ts";
import { commandModule, QUICK, TEXT_MAX } from "./spec.ts";

export const SAVED_PAGE = 10;
const SIMILAR_RESULTS = 5;
const TOP_RESULTS = 10;
const TOP_DAYS = 7;
/** Saved papers one export carries at most. */
const EXPORT_MAX = 2000;

/** A person's own saved papers, exports and votes, and the chat's popular and similar papers. */
export const LIBRARY_COMMANDS = commandModule(
  {
    saved: {
      ...QUICK,
      argument: { name: "page", kind: "integer", required: false, min: 1, max: 1000 },
      help: COMMAND_HELP.saved,
    },
    export: {
      ...QUICK,
      argument: {
        name: "format",
        kind: "choice",
        required: true,
        min: 1,
        max: 6,
        choices: ["bibtex", "csv"],
      },
      help: COMMAND_HELP.export,
    },
    similar: {
      ...QUICK,
      slow: true,
      argument: { name: "id", kind: "paper", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.similar,
    },
    top: { ...QUICK, help: COMMAND_HELP.top },
    forget: { ...QUICK, help: COMMAND_HELP.forget },
  },
  ({ deps }) => libraryCommands(deps, deps.personal),
);

export function libraryCommands(
  deps: CommandDeps,
  services: PersonalServices,
): Record<"saved" | "export" | "similar" | "top" | "forget", Command> {
  const { votes, ranker } = services;

  /** "1. 中文标题（2404.14469）" lines for papers, Chinese title when a real card has one. */
  const paperLines = (ids: string[], suffix: (id: string) => string = () => ""): Line[] => {
    const papers = new Map(deps.papers.getMany(ids).map((p) => [p.id, p]));
    const cards = deps.cards.bestMany(ids);
    const lines: Line[] = [];
    ids.forEach((id, i) => {
      const card = cards.get(id);
      const title = card && !card.fallback ? card.title_zh : (papers.get(id)?.title ?? id);
      lines.push([
        span(`${i + 1}. `),
        bold(title),
        span("（"),
        link(id, absUrl(id)),
        span(`）${suffix(id)}`),
      ]);
      const english = papers.get(id)?.title;
      if (card && !card.fallback && english) lines.push([span("   "), italic(english)]);
    });
    return lines;
  };

  const list = (title: string, lines: Line[], footer?: string): RichMessage => ({
    blocks: [
      { kind: "heading", title: [bold(title)], lines: [] },
      { kind: "text", lines },
      ...(footer ? [{ kind: "footer" as const, lines: [[span(footer)]] }] : []),
    ],
  });

  const saved: Command = ({ incoming, args }) => {
    const { platform } = incoming.chat;
    const total = votes.savedCount(platform, incoming.userId);
    if (total === 0) return [reply(R.savedEmpty)];
    const pages = Math.ceil(total / SAVED_PAGE);
    const page = args ? Number(args) : 1;
    if (!Number.isInteger(page) || page < 1 || page > pages) return [reply(R.savedBadPage(pages))];
    const rows = votes.savedPage(platform, incoming.userId, (page - 1) * SAVED_PAGE, SAVED_PAGE);
    const lines = paperLines(rows.map((r) => r.paperId));
    return [list(R.savedTitle(total, page, pages), lines, R.savedFooter)];
  };

  const exportCommand: Command = ({ incoming, args }) => {
    const format = args.toLowerCase();
    if (format !== "bibtex" && format !== "csv" && format !== "bib") return [reply(R.exportUsage)];
    const { platform } = incoming.chat;
    const rows = votes.savedPage(platform, incoming.userId, 0, EXPORT_MAX);
    if (rows.length === 0) return [reply(R.exportEmpty)];
    const papers = new Map(deps.papers.getMany(rows.map((r) => r.paperId)).map((p) => [p.id, p]));
    const kept = rows.flatMap((r) => {
      const paper = papers.get(r.paperId);
      return paper ? [{ paper, savedAt: r.createdAt }] : [];
    });
    if (format === "csv") {
      const cards = deps.cards.bestMany(kept.map((k) => k.paper.id));
      const withZh = kept.map((k) => {
        const card = cards.get(k.paper.id);
        return card && !card.fallback ? { ...k, titleZh: card.title_zh } : k;
      });
      return [
        {
          ...reply(R.exportDone(kept.length, "CSV")),
          attachments: [attachment("document", "sudi-saved.csv", "text/csv", toCsv(withZh))],
        },
      ];
    }
    return [
      {
        ...reply(R.exportDone(kept.length, "BibTeX")),
        attachments: [
          attachment(
            "document",
            "sudi-saved.bib",
            "application/x-bibtex",
            toBibtex(kept.map((k) => k.paper)),
          ),
        ],
      },
    ];
  };

  const similar: Command = ({ args }) => {
    if (!args) return [reply(R.similarUsage)];
    let id: string;
    try {
      if (args.length > 200 || /\s/.test(args)) throw new InvalidPaperIdError(args);
      id = parsePaperId(args).id;
    } catch (error) {
      if (error instanceof InvalidPaperIdError) return [reply(R.similarUsage)];
      throw error;
    }
    const paper = deps.papers.get(id);
    if (!paper) return [reply(R.similarUnknown(echo(id)))];
    ranker.index([paper]);
    const near = ranker.similar(id, SIMILAR_RESULTS);
    if (near.length === 0) return [reply(R.similarNone(id))];
    const score = new Map(near.map((n) => [n.paperId, n.similarity]));
    const lines = paperLines(
      near.map((n) => n.paperId),
      (pid) => ` ${Math.round((score.get(pid) ?? 0) * 100)}%`,
    );
    return [list(R.similarTitle(id), lines)];
  };

  const top: Command = ({ chat, now }) => {
    const since = new Date(now.getTime() - TOP_DAYS * 86_400_000).toISOString();
    const rows = votes.top(chat.id, since, TOP_RESULTS);
    if (rows.length === 0) return [reply(R.topEmpty)];
    const likes = new Map(rows.map((r) => [r.paperId, r.likes]));
    const lines = paperLines(
      rows.map((r) => r.paperId),
      (id) => R.topLine(likes.get(id) ?? 0),
    );
    return [list(R.topTitle, lines)];
  };

  const forget: Command = ({ incoming }) => {
    const { votes: v, saved: s } = votes.forget(incoming.chat.platform, incoming.userId);
    return [reply(R.forgotten(v, s))];
  };

  return { saved, export: exportCommand, similar, top, forget };
}
