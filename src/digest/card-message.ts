/**
 * A card as neutral message blocks, in the layout our readers know from 论文速递 posts: bold
 * Chinese title, italic English title, 💡 一句话 / 🎯 动机 / 🛠 方法 / 📈 效果, tags with the
 * 推荐指数 stars, and arXiv · PDF · 代码 links built from the id. Fallback cards (no LLM yet)
 * say so instead of pretending to be summaries.
 *
 * Which sections show, in which order and under which label, comes from the card's section
 * table (src/core/card-sections.ts): `sectionLines` is the neutral helper any card kind's
 * renderer uses, and every platform renders the blocks it returns.
 */

import {
  layoutOf,
  type Place,
  type SectionTable,
  SHORT_CARD,
  sectionsOf,
  sectionText,
} from "../core/card-sections.ts";
import {
  type Block,
  bold,
  italic,
  type Line,
  link,
  type RichMessage,
  span,
} from "../core/message.ts";
import { CARD } from "../core/texts/digest.ts";
import type { Card } from "../store/card.ts";
import type { Density } from "../store/chats.ts";
import { absUrl, pdfUrl } from "../store/paper.ts";
import { safeHttpUrl } from "../summarise/parts.ts";
import { loadTaxonomy, type Taxonomy } from "../topics/taxonomy.ts";

const MAX_TAGS = 5;
const BRIEF_TLDR_MAX = 80;

let topicNames: Map<string, string> | undefined;

/** Chinese names of topic ids, from the bundled taxonomy (or the one given). */
function topicName(id: string, taxonomy?: Taxonomy): string | undefined {
  if (taxonomy) return taxonomy.topics.find((t) => t.id === id)?.name;
  topicNames ??= new Map(loadTaxonomy().topics.map((t) => [t.id, t.name]));
  return topicNames.get(id);
}

/** "★★★★☆" for 4. */
export function stars(score: number): string {
  const n = Math.max(0, Math.min(5, Math.round(score)));
  return "★".repeat(n) + "☆".repeat(5 - n);
}

/** A hashtag that platforms keep whole: no spaces or punctuation inside. */
export function hashtag(text: string): string {
  const body = text
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
  return body ? `#${body}` : "";
}

/** Topic names first (they are what people subscribe to), then the card's keywords. */
export function cardTags(card: Card, taxonomy?: Taxonomy): string[] {
  const names = card.topics.flatMap((id) => topicName(id, taxonomy) ?? []);
  const tags = [...names, ...card.keywords].map(hashtag).filter(Boolean);
  return [...new Set(tags)].slice(0, MAX_TAGS);
}

function linksLine(card: Card): Line {
  const line: Line = [
    span(CARD.links),
    link(CARD.abs, absUrl(card.paper_id)),
    span(CARD.separator),
    link(CARD.pdf, pdfUrl(card.paper_id)),
  ];
  // A code URL is the one link not built from the id: only http(s) becomes a link.
  const code = safeHttpUrl(card.links.code);
  if (code) line.push(span(CARD.separator), link(CARD.code, code));
  return line;
}

function authorsLine(card: Card): Line | null {
  const parts = [card.authors.trim()];
  if (card.affiliations.length) parts[0] = `${parts[0]}（${card.affiliations.join("、")}）`;
  if (card.venue) parts.push(card.venue);
  const text = parts.filter(Boolean).join(CARD.separator);
  return text ? [span(`${CARD.authors}${text}`)] : null;
}

function shorten(text: string, max: number): string {
  const chars = Array.from(text.trim());
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}

/** `💡 一句话：` for a section with an emoji, `推荐理由：` without. */
function sectionLabel(section: { text: { label: string; emoji: string } }): string {
  const { emoji, label } = section.text;
  return `${emoji ? `${emoji} ` : ""}${label}：`;
}

/**
 * The lines of a card's sections shown at `place`, in table order: each non-empty section laid
 * out as a line of its own, as `label：text` (a list joined with 、, a score as stars). The
 * heading and the tag line are the caller's. Any card kind's renderer uses this.
 */
export function sectionLines(
  table: SectionTable,
  card: Readonly<Record<string, unknown>>,
  place: Place,
): Line[] {
  const lines: Line[] = [];
  for (const [name, s] of sectionsOf(table)) {
    if (layoutOf(s) !== "line" || !s.shows.includes(place)) continue;
    const value = card[name];
    let text = "";
    if (s.kind === "text") text = sectionText(s, value);
    else if (s.kind === "list" && Array.isArray(value)) text = value.join("、");
    else if (s.kind === "score" && typeof value === "number") text = stars(value);
    if (text) lines.push([span(sectionLabel(s) + text)]);
  }
  return lines;
}

/** The text of the first line section that shows in brief digests. */
function briefText(table: SectionTable, card: Readonly<Record<string, unknown>>): string {
  for (const [name, s] of sectionsOf(table)) {
    if (layoutOf(s) === "line" && s.kind === "text" && s.shows.includes("brief")) {
      return sectionText(s, card[name]);
    }
  }
  return "";
}

function fullBlock(card: Card, place: Place, taxonomy: Taxonomy | undefined, llm: boolean): Block {
  const lines: Line[] = [];
  if (!card.fallback && card.title_en && card.title_en !== card.title_zh) {
    lines.push([italic(card.title_en)]);
  }
  const authors = authorsLine(card);
  if (authors) lines.push(authors);
  if (card.fallback) {
    // Say what is true: "being written" only when something will write it.
    lines.push([span(llm ? CARD.pending : CARD.noLlm)]);
    if (card.tldr) lines.push([span(card.tldr)]);
  } else {
    lines.push(...sectionLines(SHORT_CARD, card, place));
  }
  const tags = cardTags(card, taxonomy);
  const tagParts = [tags.join(" "), card.score !== null ? `${CARD.score}${stars(card.score)}` : ""];
  const tagText = tagParts.filter(Boolean).join(CARD.separator);
  if (tagText) lines.push([span(`${CARD.tags}${tagText}`)]);
  lines.push(linksLine(card));
  return { kind: "card", title: [bold(card.title_zh)], lines, paperId: card.paper_id };
}

function briefBlock(card: Card): Block {
  const line: Line = [span("• ")];
  if (card.fallback) {
    line.push(span("⏳ "), bold(card.title_zh));
  } else {
    line.push(bold(card.title_zh));
    const brief = briefText(SHORT_CARD, card);
    if (brief) line.push(span(`：${shorten(brief, BRIEF_TLDR_MAX)}`));
  }
  line.push(span("（"), link(card.paper_id, absUrl(card.paper_id)), span("）"));
  return { kind: "card", lines: [line], paperId: card.paper_id };
}

/**
 * One card as one block (a splitter never cuts it): the full layout, or one line for brief
 * digests. `taxonomy` defaults to the bundled one (for topic names in the tags). `llm` says
 * whether this process has an LLM to write cards: a fallback card reads 「中文摘要生成中」 only
 * then, 「未配置 LLM」 otherwise.
 */
export function cardBlock(card: Card, density: Density, taxonomy?: Taxonomy, llm = true): Block {
  return density === "brief" ? briefBlock(card) : fullBlock(card, "full", taxonomy, llm);
}

/** The reply to /paper: the full card, with the sections the table shows on /paper. */
export function cardMessage(card: Card, taxonomy?: Taxonomy, llm = true): RichMessage {
  return { blocks: [fullBlock(card, "paper", taxonomy, llm)] };
}
