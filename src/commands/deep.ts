/**
 * /deep (and `/paper <id> 深读`, and the 深读 button) and /ask: the deep-read card and
 * questions to one paper, from its full text (src/summarise/deep.ts).
 *
 * A new deep read costs about 12k tokens, so new ones are counted per user and per group per
 * UTC day; a cached card is free and always shown. /ask shares the /paper limit per user (a
 * few a minute) and counts new questions per user and per group per day. Without a key, full
 * text or budget, the reply says what is missing and shows the short card instead.
 */
import type { RichMessage } from "../core/message.ts";
import { COMMAND_HELP } from "../core/texts/commands.ts";
import { DEEP } from "../core/texts/deep.ts";
import { cardMessage } from "../digest/card-message.ts";
import { answerMessage, deepCardMessage } from "../digest/deep-message.ts";
import { utcDay } from "../store/cards.ts";
import type { Paper } from "../store/paper.ts";
import { MAX_QUESTION_LENGTH, type Missing } from "../summarise/deep.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import type { Command, CommandContext, CommandDeps, CommandLimits, DeepDeps } from "./context.ts";
import { type PaperResolver, paperButtons } from "./papers.ts";
import { reply } from "./reply.ts";
import { commandModule, QUICK, TEXT_MAX } from "./spec.ts";

const DEEP_MISSING: Record<Missing, string> = {
  "no-llm": DEEP.noLlm,
  "no-fulltext": "",
  "over-budget": DEEP.overBudget,
  failed: DEEP.failed,
};

const ASK_MISSING: Record<Exclude<Missing, "no-fulltext">, string> = {
  "no-llm": DEEP.noLlmAsk,
  "over-budget": DEEP.overBudgetAsk,
  failed: DEEP.failedAsk,
};

export const DEEP_COMMANDS = commandModule(
  {
    deep: {
      ...QUICK,
      slow: true,
      argument: { name: "id", kind: "paper", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.deep,
    },
    ask: {
      ...QUICK,
      slow: true,
      argument: { name: "question", kind: "text", required: true, min: 3, max: 400 },
      help: COMMAND_HELP.ask,
    },
  },
  ({ deps, limits, resolve, deepOf }) => deepCommands(deps, limits, resolve, deepOf),
);

type Kind = "deep" | "ask";
type Quota = DeepDeps["quota"];

const userKey = (kind: Kind, ctx: CommandContext) =>
  `${kind}:user:${ctx.incoming.chat.platform}:${ctx.incoming.userId}`;
const chatKey = (kind: Kind, ctx: CommandContext) => `${kind}:chat:${ctx.chat.id}`;

/** The reply refusing a new one when the user or the group used today's; null when allowed. */
function overQuota(
  quota: Quota,
  kind: Kind,
  ctx: CommandContext,
  perUser: number,
  perGroup: number,
): RichMessage[] | null {
  const day = utcDay(ctx.now);
  if (quota.used(day, userKey(kind, ctx)) >= perUser) {
    return [reply(kind === "deep" ? DEEP.userQuota(perUser) : DEEP.askUserDayQuota(perUser))];
  }
  if (ctx.chat.type !== "private" && quota.used(day, chatKey(kind, ctx)) >= perGroup) {
    return [reply(kind === "deep" ? DEEP.groupQuota(perGroup) : DEEP.askGroupQuota(perGroup))];
  }
  return null;
}

function charge(quota: Quota, kind: Kind, ctx: CommandContext): void {
  const day = utcDay(ctx.now);
  quota.use(day, userKey(kind, ctx));
  if (ctx.chat.type !== "private") quota.use(day, chatKey(kind, ctx));
}

/**
 * The deep-read card of a stored paper, or the short card with why there is none: shared by
 * /deep, `/paper <id> 深读` and the 深读 button.
 */
export function deepReads(
  deps: CommandDeps,
  taxonomy: Taxonomy,
  limits: CommandLimits,
): (paper: Paper, ctx: CommandContext) => Promise<RichMessage[]> {
  const { reader, quota } = deps.deep;

  /** The short card with the sentence that says why there is no deep card. */
  const shortCardWith = async (why: string, paper: Paper): Promise<RichMessage[]> => {
    const card = await deps.summariser.cardFor(paper);
    return [reply(why), { ...cardMessage(card, taxonomy), buttons: paperButtons(card, false) }];
  };

  return async (paper, ctx) => {
    if (!reader.cached(paper)) {
      const refused = overQuota(quota, "deep", ctx, limits.deepPerUserDay, limits.deepPerGroupDay);
      if (refused) return refused;
      ctx.incoming.onWorking?.();
    }
    const outcome = await reader.deepCard(paper);
    if (outcome.kind === "missing") {
      const why =
        outcome.reason === "no-fulltext" ? DEEP.noFullText(paper.id) : DEEP_MISSING[outcome.reason];
      return shortCardWith(why, paper);
    }
    if (!outcome.cached) charge(quota, "deep", ctx);
    return [deepCardMessage(outcome.card)];
  };
}

export function deepCommands(
  deps: CommandDeps,
  limits: CommandLimits,
  resolve: PaperResolver,
  deepOf: (paper: Paper, ctx: CommandContext) => Promise<RichMessage[]>,
): Record<"deep" | "ask", Command> {
  const { reader, quota } = deps.deep;

  const deep: Command = async (ctx) => {
    if (!ctx.args) return [reply(DEEP.deepUsage)];
    const paper = await resolve(ctx.args, ctx.incoming);
    return Array.isArray(paper) ? paper : deepOf(paper, ctx);
  };

  const ask: Command = async (ctx) => {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(ctx.args);
    if (!m?.[1] || !m[2]) return [reply(DEEP.askUsage)];
    const question = m[2].trim();
    if (Array.from(question).length > MAX_QUESTION_LENGTH) {
      return [reply(DEEP.askTooLong(MAX_QUESTION_LENGTH))];
    }
    const paper = await resolve(m[1], ctx.incoming);
    if (Array.isArray(paper)) return paper;
    if (!reader.cachedAnswer(paper, question)) {
      const refused = overQuota(quota, "ask", ctx, limits.askPerDay, limits.askPerDay);
      if (refused) return refused;
      ctx.incoming.onWorking?.();
    }
    const outcome = await reader.ask(paper, question);
    if (outcome.kind === "missing") {
      const why =
        outcome.reason === "no-fulltext"
          ? DEEP.noFullTextAsk(paper.id)
          : ASK_MISSING[outcome.reason];
      return [reply(why)];
    }
    if (!outcome.cached) charge(quota, "ask", ctx);
    return [answerMessage(outcome.answer)];
  };

  return { deep, ask };
}
