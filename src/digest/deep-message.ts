/**
 * The deep-read card (深读) and a /ask answer as neutral messages. The card is one block, so no
 * splitter cuts it: its heading, authors, 单位 and links as lines, then one field per section of
 * the DEEP_CARD table in order (long prose folds: Telegram's expandable quotes, Discord's embed
 * fields), 重要数据与结论 as a list, and 推荐阅读指数 as stars with its one-line reason.
 */
import { DEEP_CARD, sectionsOf, sectionText } from "../core/card-sections.ts";
import {
  type BlockField,
  bold,
  italic,
  type Line,
  link,
  type RichMessage,
  span,
} from "../core/message.ts";
import { DEEP, DEEP_LABELS } from "../core/texts/deep.ts";
import type { Answer, DeepCard } from "../store/deep.ts";
import { absUrl, pdfUrl } from "../store/paper.ts";
import { stars } from "./card-message.ts";

/** Sections shown without folding: short enough to read at a glance. */
const UNFOLDED = new Set(["summary"]);

function label(text: { label: string; emoji: string }): string {
  return `${text.emoji ? `${text.emoji} ` : ""}${text.label}`;
}

/** The card's sections as fields, in table order; empty sections are left out. */
export function deepFields(card: DeepCard): BlockField[] {
  const fields: BlockField[] = [];
  const values = card as unknown as Record<string, unknown>;
  for (const [name, s] of sectionsOf(DEEP_CARD)) {
    const value = values[name];
    if (s.kind === "text" && s.layout !== "tags") {
      const text = sectionText(s, value);
      if (text)
        fields.push({ name: label(s.text), lines: [[span(text)]], fold: !UNFOLDED.has(name) });
    } else if (s.kind === "list" && Array.isArray(value) && value.length > 0) {
      fields.push({
        name: label(s.text),
        lines: value.map((item) => [span(`• ${String(item)}`)]),
        fold: true,
      });
    }
  }
  if (card.reading_score !== null) {
    const reason = card.reading_reason ? ` ${card.reading_reason}` : "";
    fields.push({
      name: label(DEEP_CARD.reading_score.text),
      lines: [[span(`${stars(card.reading_score)}${reason}`)]],
    });
  }
  return fields;
}

/** The deep-read card as one message: one block, never split. */
export function deepCardMessage(card: DeepCard): RichMessage {
  const lines: Line[] = [[italic(card.title_en)]];
  if (card.authors) lines.push([span(`${DEEP_LABELS.authors}${card.authors}`)]);
  if (card.affiliations.length) {
    lines.push([span(`${DEEP_LABELS.affiliations}${card.affiliations.join("、")}`)]);
  }
  lines.push([
    span(DEEP_LABELS.links),
    link(DEEP_LABELS.abs, absUrl(card.paper_id)),
    span(DEEP_LABELS.separator),
    link(DEEP_LABELS.pdf, pdfUrl(card.paper_id)),
  ]);
  const notes = [DEEP_LABELS.footer(DEEP_LABELS.source(card.source), card.prompt_version)];
  if (card.excerpt.cut.length || card.excerpt.omitted.length) notes.push(DEEP_LABELS.excerptCut);
  if (card.numbers_removed.length)
    notes.push(DEEP_LABELS.numbersRemoved(card.numbers_removed.length));
  return {
    blocks: [
      {
        kind: "card",
        title: [bold(`${DEEP_LABELS.heading}｜${card.paper_id}`)],
        lines,
        fields: deepFields(card),
        paperId: card.paper_id,
      },
      { kind: "footer", lines: [[span(notes.join(DEEP_LABELS.separator))]] },
    ],
  };
}

/** A /ask answer: the question, the answer, and the passages it relies on. */
export function answerMessage(answer: Answer): RichMessage {
  const lines: Line[] = [
    [span(DEEP.question), span(answer.question)],
    [span(answer.answered ? answer.answer : answer.answer || DEEP.notAnswered)],
  ];
  if (!answer.answered && answer.answer && answer.answer !== DEEP.notAnswered) {
    lines.push([span(DEEP.notAnswered)]);
  }
  for (const q of answer.quotes) {
    lines.push([span(DEEP.quoteFrom(q.section)), italic(q.text)]);
  }
  lines.push([link(DEEP_LABELS.abs, absUrl(answer.paper_id))]);
  return {
    blocks: [{ kind: "text", title: [bold(DEEP.answerHeading(answer.paper_id))], lines }],
  };
}
