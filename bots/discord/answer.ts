/**
 * Answering one interaction: autocomplete from the taxonomy; commands through the
 * platform-neutral handler, with replies rendered as embeds. Discord drops an interaction not
 * acknowledged within 3 seconds, so slow commands (/paper, /digest, /search, or anything that
 * calls onWorking or outlasts `deferAfterMs`) defer first and then edit their reply. Every
 * failure ends here, logged without the interaction token; one interaction never takes the
 * bot down.
 */
import {
  type APIApplicationCommandOptionChoice,
  InteractionResponseType,
  InteractionType,
  type RawFile,
  type REST,
  Routes,
} from "discord.js";
import { type CommandInfo, commandNamed } from "../../src/commands/table.ts";
import type { CommandHandler } from "../../src/commands/types.ts";
import { type RichMessage, textMessage } from "../../src/core/message.ts";
import { T } from "../../src/core/texts/commands.ts";
import type { Logger } from "../../src/log.ts";
import {
  autocompleteTopics,
  MAX_CHOICES,
  type TopicChoice,
} from "../../src/topics/autocomplete.ts";
import type { Taxonomy } from "../../src/topics/taxonomy.ts";
import {
  cannotPostHere,
  commandNameOf,
  type DiscordInteraction,
  focusedOptionOf,
  isPress,
  parseInteraction,
  toIncoming,
  toPress,
} from "./interactions.ts";
import { type DiscordMessagePayload, toDiscordPayloads } from "./render.ts";

export interface AnswerContext {
  rest: REST;
  handler: CommandHandler;
  taxonomy: Taxonomy;
  log: Logger;
  /** defer a command still running after this long; well under Discord's 3 s */
  deferAfterMs?: number;
  /** the command table's entry for a name (default: COMMANDS'), for deferring and warnings */
  command?: (name: string) => CommandInfo | undefined;
}

/** The REST calls that answer one interaction; none needs the bot token. */
class Responder {
  constructor(
    private readonly rest: REST,
    private readonly interaction: DiscordInteraction,
  ) {}

  private callback(body: unknown, files?: RawFile[]): Promise<unknown> {
    const { id, token } = this.interaction;
    return this.rest.post(Routes.interactionCallback(id, token), {
      body,
      auth: false,
      ...(files?.length ? { files } : {}),
    });
  }

  autocomplete(choices: APIApplicationCommandOptionChoice<string>[]) {
    return this.callback({
      type: InteractionResponseType.ApplicationCommandAutocompleteResult,
      data: { choices },
    });
  }
  defer() {
    return this.callback({ type: InteractionResponseType.DeferredChannelMessageWithSource });
  }
  /** acknowledges a button press without sending or changing anything yet */
  ack() {
    return this.callback({ type: InteractionResponseType.DeferredMessageUpdate });
  }
  /** edits the components of the message a button is on (the interaction's own message) */
  editComponents(components: unknown) {
    const { application_id, token } = this.interaction;
    return this.rest.patch(Routes.webhookMessage(application_id, token, "@original"), {
      body: { components },
      auth: false,
    });
  }
  reply(payload: DiscordMessagePayload, files?: RawFile[]) {
    return this.callback(
      {
        type: InteractionResponseType.ChannelMessageWithSource,
        data: withAttachments(payload, files),
      },
      files,
    );
  }
  editOriginal(payload: DiscordMessagePayload, files?: RawFile[]) {
    const { application_id, token } = this.interaction;
    return this.rest.patch(Routes.webhookMessage(application_id, token, "@original"), {
      body: withAttachments(payload, files),
      auth: false,
      ...(files?.length ? { files } : {}),
    });
  }
  followUp(payload: DiscordMessagePayload, files?: RawFile[]) {
    const { application_id, token } = this.interaction;
    return this.rest.post(Routes.webhook(application_id, token), {
      body: withAttachments(payload, files),
      auth: false,
      ...(files?.length ? { files } : {}),
    });
  }
}

/** A message's attachments (a report's chart or HTML file) as @discordjs/rest uploads. */
function filesOf(message: RichMessage): RawFile[] {
  return (message.attachments ?? []).map((a) => ({
    name: a.filename,
    data: Buffer.from(a.data, "base64"),
    contentType: a.mime,
  }));
}

/** The payload with its `attachments` list, which Discord wants next to uploaded files. */
function withAttachments(payload: DiscordMessagePayload, files?: RawFile[]) {
  return files?.length
    ? { ...payload, attachments: files.map((f, id) => ({ id, filename: f.name })) }
    : payload;
}

/** The choices for the option being typed: topics, and "all" where the argument accepts it. */
export function autocompleteChoices(
  i: DiscordInteraction,
  taxonomy: Taxonomy,
  command: (name: string) => CommandInfo | undefined = commandNamed,
): TopicChoice[] {
  const focused = focusedOptionOf(i);
  // The command table says which arguments are topics (and so get topic suggestions).
  const argument = focused ? command(focused.command)?.argument : undefined;
  if (!focused || argument?.kind !== "topic" || argument.name !== focused.option) return [];
  const topics = autocompleteTopics(focused.value, taxonomy);
  const q = focused.value.trim().toLowerCase();
  const wantsAll = q === "" || "all".startsWith(q) || "全部".startsWith(q);
  if (!argument.acceptsAll || !wantsAll) return topics;
  return [{ name: T.unsubscribeAllChoice, value: "all" }, ...topics].slice(0, MAX_CHOICES);
}

async function answerCommand(i: DiscordInteraction, ctx: AnswerContext, r: Responder) {
  let deferred: Promise<unknown> | undefined;
  const defer = () => {
    deferred ??= r.defer();
    return deferred;
  };
  const incoming = toIncoming(i, () => void defer().catch(() => {}));
  if (!incoming) return;
  const command = commandNameOf(incoming.text);
  // What the command table says about it: slow ones defer at once (Discord's 3 s).
  const spec = (ctx.command ?? commandNamed)(command);
  if (spec?.slow) await defer();
  const timer = setTimeout(() => void defer().catch(() => {}), ctx.deferAfterMs ?? 1500);
  let messages: RichMessage[];
  try {
    messages = await ctx.handler.handle(incoming);
  } catch (error) {
    ctx.log.error("discord command failed", { command, error });
    messages = [textMessage(T.internalError)];
  } finally {
    clearTimeout(timer);
  }
  if (spec?.expectsDelivery && cannotPostHere(i)) {
    // in the same reply, right under the confirmation it qualifies
    const last = messages.at(-1) ?? { blocks: [] };
    const warning = textMessage(T.cannotPostHere).blocks;
    messages = [...messages.slice(0, -1), { ...last, blocks: [...last.blocks, ...warning] }];
  }
  // A message with a file is one post: its files go with its first payload.
  const items = messages.flatMap((m) => {
    const payloads = toDiscordPayloads({ ...m, attachments: undefined });
    const files = filesOf(m);
    if (!files.length) return payloads.map((payload) => ({ payload, files }));
    const [head = { content: "📎" } as DiscordMessagePayload, ...tail] = payloads;
    return [{ payload: head, files }, ...tail.map((payload) => ({ payload, files: [] }))];
  });
  // an interaction must be answered even if a command had nothing to say
  const fallback = toDiscordPayloads(textMessage("✅"))[0];
  const [first = fallback ? { payload: fallback, files: [] } : undefined, ...rest] = items;
  if (!first) return;
  if (deferred) {
    await deferred;
    await r.editOriginal(first.payload, first.files);
  } else {
    await r.reply(first.payload, first.files);
  }
  for (const item of rest) await r.followUp(item.payload, item.files);
}

/**
 * A press handled in place: acknowledged without a message; the counts are shown by editing
 * the message's buttons (the handler rate-limits that), and only a reply the handler asks for
 * (深读 without a reader) is sent.
 */
async function answerPress(i: DiscordInteraction, ctx: AnswerContext, r: Responder) {
  const press = toPress(i);
  if (!press || !ctx.handler.press) {
    await r.ack();
    return;
  }
  const rows = i.message?.components ?? [];
  // An edit through the interaction waits until Discord has the interaction's answer.
  let answered!: () => void;
  const ready = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const outcome = await ctx.handler.press({
    ...press,
    relabel: async (labels) => {
      await ready;
      const components = rows.map((row) => ({
        ...row,
        components: (row.components ?? []).map((c) =>
          c.custom_id && labels.has(c.custom_id) ? { ...c, label: labels.get(c.custom_id) } : c,
        ),
      }));
      await r.editComponents(components);
    },
  });
  const payloads = outcome.replies.flatMap(toDiscordPayloads);
  const [first, ...rest] = payloads;
  try {
    await (first ? r.reply(first) : r.ack());
  } finally {
    answered();
  }
  for (const payload of rest) await r.followUp(payload);
}

/**
 * Answers one raw INTERACTION_CREATE payload. Never throws: an interaction that cannot be
 * answered (expired, malformed, Discord down) is logged and dropped.
 */
export async function answerInteraction(raw: unknown, ctx: AnswerContext): Promise<void> {
  const i = parseInteraction(raw);
  if (!i) {
    ctx.log.warn("discord interaction not understood");
    return;
  }
  const r = new Responder(ctx.rest, i);
  try {
    if (i.type === InteractionType.ApplicationCommandAutocomplete) {
      await r.autocomplete(autocompleteChoices(i, ctx.taxonomy, ctx.command));
    } else if (isPress(i)) {
      await answerPress(i, ctx, r);
    } else if (
      i.type === InteractionType.ApplicationCommand ||
      i.type === InteractionType.MessageComponent
    ) {
      await answerCommand(i, ctx, r);
    }
  } catch (error) {
    const e = error as { name?: string; status?: number; code?: unknown };
    // only name, status and code: a REST error's message and URL may hold the interaction token
    ctx.log.warn("discord interaction not answered", {
      interaction: i.id,
      type: i.type,
      error: e?.name,
      status: e?.status,
      code: e?.code,
    });
  }
}
