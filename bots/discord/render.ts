/**
 * Discord rendering: a RichMessage as Discord message payloads (content or embeds, plus
 * buttons), each within every limit Discord enforces, with every dynamic string escaped and
 * mentions disabled. Layout: a card with a title is one embed (title = Chinese title linking to
 * arXiv, description = its lines); a heading is an embed of its own, or, when it is a bare
 * chapter heading right before a card, that card's author line; text paragraphs and one-line
 * (brief) cards share one embed, titled by the bare heading before them; a footer becomes the
 * last embed's footer. A message of text paragraphs only is sent as plain content (command
 * replies read better that way).
 */
import { type APIEmbed, ButtonStyle, ComponentType, MessageFlags } from "discord.js";
import type { Block, Button, Line, RichMessage, Span } from "../../src/core/message.ts";
import { markCards } from "../../src/core/message.ts";
import { safeUrl } from "../../src/core/url.ts";
import { splitMessage } from "../../src/digest/split.ts";
import { absUrl } from "../../src/store/paper.ts";

/** Discord's limits, counted in UTF-16 units (never fewer than Discord's own count). */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  /** title + description + field names and values + footer + author, over all embeds */
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  buttonRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  buttonUrl: 512,
} as const;

/** Prefix of a button's custom_id that carries a chat command ("sudi:/paper 2404.14469"). */
export const COMMAND_BUTTON_PREFIX = "sudi:";

const CARD_COLOR = 0xb31b1b;
const HEADING_COLOR = 0x5865f2;
/** Plain replies do not unfurl every arXiv link. */
const SUPPRESS_EMBEDS = MessageFlags.SuppressEmbeds;

/** The embed fields sudi fills (discord.js's APIEmbed, narrowed to what it sends). */
export type DiscordEmbed = Pick<
  APIEmbed,
  "title" | "url" | "description" | "color" | "author" | "fields" | "footer"
>;

export interface DiscordButton {
  type: ComponentType.Button;
  /** Secondary runs a command, Link opens a URL */
  style: ButtonStyle.Secondary | ButtonStyle.Link;
  label: string;
  custom_id?: string;
  url?: string;
}

/** The subset of Discord's message create / interaction response body that sudi sends. */
export interface DiscordMessagePayload {
  content?: string;
  embeds?: DiscordEmbed[];
  components?: { type: ComponentType.ActionRow; components: DiscordButton[] }[];
  /** nothing is ever parsed as a mention; only the users of mention spans are pinged */
  allowed_mentions: { parse: []; users?: string[] };
  flags?: number;
}

// ---------------------------------------------------------------------------------------------
// Escaping

const ZWSP = "\u200b";

/** Breaks @everyone / @here so no client ever reads them as a mention, even outside markdown. */
function defuseMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, `@${ZWSP}$1`);
}

/**
 * Escapes text for Discord markdown so it shows literally: inline markers anywhere, block
 * markers (heading, quote, list) at the start of a line, and `<` so `<@id>`, `<#id>`, `<t:…>`
 * and custom emoji never form. Discord drops the backslash before any punctuation.
 */
export function escapeDiscordMarkdown(text: string): string {
  const lines = defuseMentions(text).split("\n");
  return lines
    .map((line) =>
      line
        .replace(/[\\*_~`|<>[\]]/g, "\\$&")
        .replace(/^(\s*)([#+-])/, "$1\\$2")
        .replace(/^(\s*\d+)\.(\s)/, "$1\\.$2"),
    )
    .join("\n");
}

/** Text for places that show no markdown (footer, author, button labels). */
function plainDiscordText(text: string): string {
  return defuseMentions(text);
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // never leave half a surrogate pair or a dangling escape backslash
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const trailing = /\\+$/.exec(cut)?.[0].length ?? 0;
  if (trailing % 2 === 1) cut = cut.slice(0, -1);
  return `${cut}…`;
}

// ---------------------------------------------------------------------------------------------
// Lines and spans

function renderSpan(s: Span): string {
  if (s.mention && /^\d{1,20}$/.test(s.mention)) return `<@${s.mention}>`;
  if (s.text === "") return "";
  if (s.code) return `\`${s.text.replace(/`/g, "ˋ").replace(/\n/g, " ")}\``;
  const escaped = escapeDiscordMarkdown(s.text);
  const [, lead = "", core = "", trail = ""] = /^(\s*)([\s\S]*?)(\s*)$/.exec(escaped) ?? [];
  if (core === "") return escaped;
  let out = core;
  const url = s.href ? safeUrl(s.href) : undefined;
  if (url) out = `[${out}](${url})`;
  if (s.bold && s.italic) out = `***${out}***`;
  else if (s.bold) out = `**${out}**`;
  else if (s.italic) out = `*${out}*`;
  return lead + out + trail;
}

function renderLine(line: Line): string {
  let out = "";
  for (const s of line) {
    const piece = renderSpan(s);
    // two adjacent markers (`**a***b*`) would merge; a zero-width space keeps them apart
    if (/[*`]$/.test(out) && /^[*`]/.test(piece)) out += ZWSP;
    out += piece;
  }
  return out;
}

/** Rendered lines, remembered per array: splitting measures the same blocks many times over. */
const renderedLines = new WeakMap<Line[], string>();

function renderLines(lines: Line[]): string {
  let out = renderedLines.get(lines);
  if (out === undefined) {
    out = lines.map(renderLine).join("\n");
    renderedLines.set(lines, out);
  }
  return out;
}

const plainLine = (line: Line): string => line.map((s) => s.text).join("");

// ---------------------------------------------------------------------------------------------
// Blocks to a payload

function titleOf(block: Block): { title: string; url?: string } | undefined {
  if (!block.title) return undefined;
  const title = truncate(escapeDiscordMarkdown(plainLine(block.title)), DISCORD_LIMITS.title);
  const href = block.title.find((s) => s.href)?.href;
  const url =
    (href && safeUrl(href)) ??
    (block.kind === "card" && block.paperId ? absUrl(block.paperId) : undefined);
  return url ? { title, url } : { title };
}

function nonEmpty(embed: DiscordEmbed): DiscordEmbed {
  const out: DiscordEmbed = {};
  for (const [k, v] of Object.entries(embed) as [keyof DiscordEmbed, unknown][]) {
    if (v !== undefined && v !== "") (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function paragraph(block: Block): string {
  const title = block.title ? `**${escapeDiscordMarkdown(plainLine(block.title))}**` : undefined;
  return [...(title ? [title] : []), renderLines(block.lines)].filter(Boolean).join("\n");
}

/** A block's fields as embed fields, each within Discord's name and value limits. */
function renderFields(block: Block): DiscordEmbed["fields"] {
  const fields = (block.fields ?? []).slice(0, DISCORD_LIMITS.fields).map((f) => ({
    name: truncate(plainDiscordText(f.name), DISCORD_LIMITS.fieldName),
    value: truncate(renderLines(f.lines), DISCORD_LIMITS.fieldValue) || "…",
  }));
  return fields.length ? fields : undefined;
}

function renderEmbeds(blocks: Block[]): DiscordEmbed[] {
  const embeds: DiscordEmbed[] = [];
  const footer: string[] = [];
  // consecutive paragraphs and one-line cards share an embed, titled by a bare heading before them
  let run: string[] = [];
  let runTitle: string | undefined;
  let author: string | undefined;
  const flushRun = () => {
    if (run.length || runTitle) {
      embeds.push(
        nonEmpty({
          title: runTitle,
          description: run.join("\n\n"),
          color: runTitle ? HEADING_COLOR : undefined,
        }),
      );
    }
    run = [];
    runTitle = undefined;
  };
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.kind === "footer") {
      footer.push(
        [...(block.title ? [block.title] : []), ...block.lines].map(plainLine).join("\n"),
      );
      return;
    }
    const heading = block.kind === "heading";
    const bare = heading && block.title && block.lines.length === 0;
    if (bare && next?.kind === "card" && next.title) {
      author = truncate(plainDiscordText(plainLine(block.title ?? [])), DISCORD_LIMITS.author);
      return;
    }
    if (bare && next && next.kind !== "heading" && next.kind !== "footer") {
      flushRun();
      runTitle = titleOf(block)?.title;
      return;
    }
    if (heading || (block.kind === "card" && block.title)) {
      flushRun();
      embeds.push(
        nonEmpty({
          ...titleOf(block),
          description: renderLines(block.lines),
          color: heading ? HEADING_COLOR : CARD_COLOR,
          author: author ? { name: author } : undefined,
          fields: renderFields(block),
        }),
      );
      author = undefined;
      return;
    }
    const previous = blocks[i - 1];
    const oneLiners = block.kind === "card" && previous?.kind === "card" && !previous.title;
    if (oneLiners && run.length) run[run.length - 1] += `\n${paragraph(block)}`;
    else run.push(paragraph(block));
  });
  flushRun();
  if (footer.length) {
    const text = plainDiscordText(footer.join("\n"));
    const last = embeds.at(-1);
    if (last) last.footer = { text };
    else embeds.push({ footer: { text } });
  }
  return embeds;
}

function renderButton(b: Button): DiscordButton | undefined {
  const label = truncate(plainDiscordText(b.label), DISCORD_LIMITS.buttonLabel);
  const url = b.url ? safeUrl(b.url) : undefined;
  const customId = b.press ?? (b.command ? `${COMMAND_BUTTON_PREFIX}${b.command}` : undefined);
  if (!label) return undefined;
  if (url && url.length <= DISCORD_LIMITS.buttonUrl) {
    return { type: ComponentType.Button, style: ButtonStyle.Link, label, url };
  }
  if (customId && customId.length <= DISCORD_LIMITS.customId) {
    return { type: ComponentType.Button, style: ButtonStyle.Secondary, label, custom_id: customId };
  }
  return undefined;
}

/**
 * Action rows: one per card with buttons (👍 👎 ⭐ 深读), then the message's own buttons five
 * to a row; at most five rows (the splitter keeps a digest part within that).
 */
function renderButtons(
  part: Pick<RichMessage, "blocks" | "buttons">,
): DiscordMessagePayload["components"] {
  const rows: NonNullable<DiscordMessagePayload["components"]> = [];
  const pushRows = (buttons: readonly Button[]) => {
    const out = buttons.flatMap((b) => renderButton(b) ?? []);
    for (let i = 0; i < out.length; i += DISCORD_LIMITS.buttonsPerRow) {
      rows.push({
        type: ComponentType.ActionRow,
        components: out.slice(i, i + DISCORD_LIMITS.buttonsPerRow),
      });
    }
  };
  for (const block of part.blocks) if (block.buttons?.length) pushRows(block.buttons);
  pushRows(part.buttons ?? []);
  const capped = rows.slice(0, DISCORD_LIMITS.buttonRows);
  return capped.length ? capped : undefined;
}

/** The action rows a part needs before capping (a card row each, the message's own after). */
function buttonRows(part: RichMessage): number {
  const own = Math.ceil((part.buttons?.length ?? 0) / DISCORD_LIMITS.buttonsPerRow);
  return part.blocks.filter((b) => b.buttons?.length).length + own;
}

/** The users a part mentions (a group digest's member lines). */
function mentionedUsers(part: RichMessage): string[] {
  const users = new Set<string>();
  for (const b of part.blocks) {
    for (const line of [...(b.title ? [b.title] : []), ...b.lines]) {
      for (const s of line) if (s.mention && /^\d{1,20}$/.test(s.mention)) users.add(s.mention);
    }
  }
  return [...users];
}

/**
 * One part as one Discord payload. The part must already fit (see splitForDiscord); this never
 * cuts anything but an over-long title.
 */
export function renderDiscordPayload(unmarked: RichMessage): DiscordMessagePayload {
  const part = markCards(unmarked);
  const users = mentionedUsers(part);
  const payload: DiscordMessagePayload = {
    allowed_mentions: users.length ? { parse: [], users } : { parse: [] },
  };
  if (part.blocks.every((b) => b.kind === "text")) {
    payload.content = part.blocks.map(paragraph).filter(Boolean).join("\n\n") || "…";
    payload.flags = SUPPRESS_EMBEDS;
  } else {
    payload.embeds = renderEmbeds(part.blocks);
    // A mention inside an embed pings nobody: the members named in the embed are pinged here.
    if (users.length) payload.content = users.map((u) => `<@${u}>`).join(" ");
  }
  const components = renderButtons(part);
  if (components) payload.components = components;
  return payload;
}

function embedChars(e: DiscordEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/**
 * How full a payload is against its tightest limit: at most 1 when Discord accepts it. Exported
 * for tests and the fake API, which check the same limits independently.
 */
export function discordFullness(payload: DiscordMessagePayload): number {
  const L = DISCORD_LIMITS;
  const embeds = payload.embeds ?? [];
  const ratios = [
    (payload.content?.length ?? 0) / L.content,
    embeds.length / L.embeds,
    embeds.reduce((n, e) => n + embedChars(e), 0) / L.embedTotal,
  ];
  for (const e of embeds) {
    ratios.push(
      (e.title?.length ?? 0) / L.title,
      (e.description?.length ?? 0) / L.description,
      (e.footer?.text.length ?? 0) / L.footer,
      (e.author?.name.length ?? 0) / L.author,
      (e.fields?.length ?? 0) / L.fields,
    );
    for (const f of e.fields ?? [])
      ratios.push(f.name.length / L.fieldName, f.value.length / L.fieldValue);
  }
  return Math.max(...ratios);
}

/** Splits a message into parts that each render to one payload within every limit. */
export function splitForDiscord(message: RichMessage): RichMessage[] {
  return splitMessage(
    message,
    (m) =>
      buttonRows(m) > DISCORD_LIMITS.buttonRows
        ? Number.POSITIVE_INFINITY
        : discordFullness(renderDiscordPayload(m)),
    1,
  );
}

/** A message as the Discord payloads to send, in order. */
export function toDiscordPayloads(message: RichMessage): DiscordMessagePayload[] {
  return splitForDiscord(message).map(renderDiscordPayload);
}
