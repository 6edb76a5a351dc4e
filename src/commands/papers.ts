/**
 * /paper, /search and /digest: reading papers. /paper fetches and summarises an unknown paper
 * on demand; concurrent requests for one id share one arXiv fetch (here) and one LLM call (the
 * summariser), and each user gets a few a minute.
 */
import { INTERACTIVE_WAIT_MS } from "../arxiv/client.ts";
import { ArxivApiError, ArxivHttpError, ArxivNetworkError } from "../arxiv/errors.ts";
import { InvalidPaperIdError, parsePaperId } from "../arxiv/ids.ts";
import {
  type Button,
  bold,
  italic,
  type Line,
  link,
  type RichMessage,
  span,
} from "../core/message.ts";
import { COMMAND_HELP, T } from "../core/texts/commands.ts";
import { DEEP } from "../core/texts/deep.ts";
import { DIGEST } from "../core/texts/digest.ts";
import { cardButtons } from "../digest/buttons.ts";
import { cardMessage } from "../digest/card-message.ts";
import type { Card } from "../store/card.ts";
import { absUrl, type Paper, pdfUrl } from "../store/paper.ts";
import { MAX_QUERY_LENGTH, queryTerms } from "../store/search.ts";
import { safeHttpUrl } from "../summarise/parts.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import type { Command, CommandContext, CommandDeps, CommandLimits } from "./context.ts";
import { echo } from "./input.ts";
import { RateLimiter } from "./rate-limit.ts";
import { reply } from "./reply.ts";
import { commandModule, QUICK, TEXT_MAX } from "./spec.ts";
import type { Incoming } from "./types.ts";

const SEARCH_RESULTS = 5;

/** arXiv did not answer usefully; the reply asks to try later. */
function isArxivOutage(error: unknown): boolean {
  return error instanceof ArxivHttpError || error instanceof ArxivNetworkError;
}

/**
 * Fetches papers missing from the store, one arXiv request per id however many users ask at
 * once, and stores what it got.
 */
export class PaperFetcher {
  private readonly inFlight = new Map<string, Promise<Paper | null>>();

  constructor(private readonly deps: Pick<CommandDeps, "arxiv" | "papers">) {}

  fetch(id: string): Promise<Paper | null> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const promise = this.fetchOnce(id).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, promise);
    return promise;
  }

  private async fetchOnce(id: string): Promise<Paper | null> {
    const papers = await this.deps.arxiv().fetchByIds([id], { waitMs: INTERACTIVE_WAIT_MS });
    const paper = papers.find((p) => p.id === id);
    if (!paper) return null;
    this.deps.papers.upsert(paper);
    return this.deps.papers.get(id) ?? paper;
  }
}

/** A paper named by a user, stored and current; or the replies that say why not. */
export type PaperResolver = (input: string, incoming: Incoming) => Promise<Paper | RichMessage[]>;

/**
 * Reads a paper id or URL as a user typed it, counts the request against the user's /paper
 * limit, and fetches the paper from arXiv when it is not stored (or a newer version is asked
 * for). /paper, /deep and /ask share it, so they share one limit and one fetch per id.
 */
export function paperResolver(
  deps: CommandDeps,
  limits: CommandLimits,
  clock: () => Date,
): PaperResolver {
  const fetcher = new PaperFetcher(deps);
  const limiter = new RateLimiter(limits.paperPerWindow, limits.paperWindowMs, () =>
    clock().getTime(),
  );
  return async (input, incoming) => {
    let parsed: ReturnType<typeof parsePaperId>;
    try {
      if (input.length > 200 || /\s/.test(input)) throw new InvalidPaperIdError(input);
      parsed = parsePaperId(input);
    } catch (error) {
      if (error instanceof InvalidPaperIdError) {
        return [reply(T.paperInvalid(InvalidPaperIdError.ACCEPTED_FORMS))];
      }
      throw error;
    }
    const waitMs = limiter.take(`${incoming.chat.platform}:${incoming.userId}`);
    if (waitMs > 0) return [reply(T.paperRateLimited(Math.ceil(waitMs / 1000)))];

    let stored = deps.papers.get(parsed.id);
    if (!stored || (parsed.version !== null && stored.version < parsed.version)) {
      incoming.onWorking?.();
      try {
        stored = (await fetcher.fetch(parsed.id)) ?? stored;
      } catch (error) {
        if (error instanceof ArxivApiError) return [reply(T.paperNotFound(parsed.id))];
        if (!isArxivOutage(error)) throw error;
        deps.log.warn("arXiv fetch for /paper failed", { paper: parsed.id, error });
        if (!stored) return [reply(T.paperUnavailable)];
      }
      if (!stored) return [reply(T.paperNotFound(parsed.id))];
    }
    return stored;
  };
}

export const PAPER_COMMANDS = commandModule(
  {
    paper: {
      ...QUICK,
      slow: true,
      argument: { name: "id", kind: "paper", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.paper,
    },
    digest: { ...QUICK, slow: true, affectsDelivery: true, help: COMMAND_HELP.digest },
    search: {
      ...QUICK,
      slow: true,
      argument: { name: "words", kind: "text", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.search,
    },
  },
  ({ deps, taxonomy, resolve, deepOf }) => paperCommands(deps, taxonomy, resolve, deepOf),
);

/** `/paper <id> 深读` (or `deep`): the deep read asked through /paper. */
const DEEP_WORD = /^(\S+)\s+(?:深读|deep)$/i;

export function paperCommands(
  deps: CommandDeps,
  taxonomy: Taxonomy,
  resolve: PaperResolver,
  deepOf: (paper: Paper, ctx: CommandContext) => Promise<RichMessage[]>,
): Record<"paper" | "search" | "digest", Command> {
  const paper: Command = async (ctx) => {
    const { args, incoming } = ctx;
    if (!args) return [reply(T.paperUsage)];
    const deep = DEEP_WORD.exec(args);
    const stored = await resolve(deep?.[1] ?? args, incoming);
    if (Array.isArray(stored)) return stored;
    if (deep) return deepOf(stored, ctx);
    if (!deps.cards.bestMany([stored.id]).has(stored.id)) incoming.onWorking?.();
    const card = await deps.summariser.cardFor(stored);
    const message = cardMessage(card, taxonomy, deps.summariser.hasLlm ?? true);
    // The full row of 👍 👎 ⭐ 收藏 深读 under the card (its 深读 runs /deep), then the links.
    message.blocks = message.blocks.map((b) =>
      b.kind === "card" ? { ...b, buttons: cardButtons(card.paper_id, 0) } : b,
    );
    const buttons = paperButtons(card, false);
    if (deps.links) buttons.push({ label: T.buttonWeb, url: deps.links.paper(card.paper_id) });
    return [{ ...message, buttons }];
  };

  const search: Command = ({ args }) => {
    if (!args) return [reply(T.searchUsage)];
    if (Array.from(args).length > MAX_QUERY_LENGTH) {
      return [reply(T.searchTooLong(MAX_QUERY_LENGTH))];
    }
    if (queryTerms(args).length === 0) return [reply(T.searchNothingUsable)];
    const hits = deps.search.search(args, SEARCH_RESULTS);
    const shown = echo(args);
    if (hits.length === 0) {
      const empty = deps.papers.latestAnnounceDate() === null;
      return [reply(empty ? T.searchEmptyStore : T.searchNoHits(shown))];
    }
    const cards = deps.cards.bestMany(hits.map((h) => h.paperId));
    const lines: Line[] = [];
    hits.forEach((hit, i) => {
      const card = cards.get(hit.paperId);
      const zh = card && !card.fallback ? card.title_zh : null;
      lines.push([
        span(`${i + 1}. `),
        bold(zh ?? hit.title),
        span("（"),
        link(hit.paperId, absUrl(hit.paperId)),
        span("）"),
      ]);
      if (zh) lines.push([span("   "), italic(hit.title)]);
    });
    return [
      {
        blocks: [
          { kind: "heading", title: [bold(T.searchTitle(shown))], lines: [] },
          { kind: "text", lines },
          { kind: "footer", lines: [[span(T.searchFooter)]] },
        ],
        buttons: hits.map((h) => ({ label: `📄 ${h.paperId}`, command: `/paper ${h.paperId}` })),
      },
    ];
  };

  /**
   * The latest announcement's matching papers, already-sent ones included, now. The papers
   * this chat had not been sent are recorded as sent, so the scheduled digest does not repeat
   * them.
   */
  const digest: Command = ({ chat, args }) => {
    if (args) return [reply(T.noArgsExpected("digest"))];
    if (deps.subscriptions.count(chat.id) === 0) return [reply(T.digestNoSubscriptions)];
    const date = deps.papers.latestAnnounceDate();
    if (!date) return [reply(T.digestNoAnnouncement)];
    const result = deps.digests.forChat(chat, { date, includeSent: true });
    if (!result) return [reply(T.digestNothing(date, deps.digests.paperCount(date)))];
    const ids = result.items.map((i) => i.paper.id);
    const sent = deps.outbox.sentAmong(chat.id, ids);
    const unsent = ids.filter((id) => !sent.has(id));
    if (unsent.length) {
      deps.outbox.recordSent(chat.id, date, unsent);
    }
    if (sent.size) {
      const [header, ...rest] = result.message.blocks;
      if (header) {
        return [
          {
            ...result.message,
            blocks: [{ ...header, lines: [...header.lines, [span(DIGEST.includesSent)]] }, ...rest],
          },
        ];
      }
    }
    return [result.message];
  };

  return { paper, search, digest };
}

/**
 * The buttons under a /paper card: links built from the id, the code link when known, and
 * 深读 (the deep-read card, a command button) unless `deep` is false.
 */
export function paperButtons(card: Card, deep = true): Button[] {
  const code = safeHttpUrl(card.links.code);
  return [
    { label: T.buttonAbs, url: absUrl(card.paper_id) },
    { label: T.buttonPdf, url: pdfUrl(card.paper_id) },
    ...(code ? [{ label: T.buttonCode, url: code }] : []),
    ...(deep ? [{ label: DEEP.buttonDeep, command: `/deep ${card.paper_id}` }] : []),
  ];
}
