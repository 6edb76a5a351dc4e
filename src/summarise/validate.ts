/**
 * Reads what the LLM wrote into a card's fields, driven by the card's section table. Real
 * providers (DeepSeek, Qwen, Kimi, GLM in json_object mode) omit or rename fields now and
 * then, so a partial answer is kept: only sections the table marks `always` (and one of the
 * `one-of` group) are required; optional ones take defaults; unknown fields are ignored;
 * topic ids outside the taxonomy are dropped (rule-based topics stand in when none is left);
 * "4", "4分" or 4.0 is a score of 4 and anything unreadable is null; a field over its limit is
 * cut at a sentence end. Every text is cleaned like user input (src/summarise/clean.ts).
 * What was changed is returned, so the card records it. Only a missing essential is a
 * CardOutputError, listed in words the model can act on, since it is sent back once.
 */
import {
  type Section,
  type SectionTable,
  type SectionValues,
  sectionsOf,
} from "../core/card-sections.ts";
import { CARD_PROBLEMS } from "../core/texts/card.ts";
import { cleanLlmText } from "./clean.ts";

/** The output cannot become a card; `problems` is what the repair request quotes. */
export class CardOutputError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid card output: ${problems.join("; ")}`);
    this.name = "CardOutputError";
  }
}

/** What an answer is checked against. */
export interface AnswerContext {
  topicIds: ReadonlySet<string>;
  /** the paper's rule-based topic ids, standing in when none of the model's is left */
  ruleTopics: () => string[];
  /** the paper's own text (`sourceText`): linkable forms it contains may stay */
  source: string;
  /** puts the model's topics in order (specific before generic); default: as written */
  orderTopics?: (ids: string[]) => string[];
}

export interface ReadAnswer<T extends SectionTable> {
  fields: SectionValues<T>;
  /** what code changed, one entry each: "score_reason: default", "tldr: cut to 120" */
  repairs: string[];
  /** whether links, mentions or invisible characters were taken out */
  cleaned: boolean;
}

/** Han characters, and Latin words, in a text. */
function scriptCounts(text: string): { han: number; latinWords: number } {
  return {
    han: text.match(/\p{Script=Han}/gu)?.length ?? 0,
    latinWords: text.match(/[A-Za-z]+/g)?.length ?? 0,
  };
}

/** Chinese prose may keep English terms, but must be mostly Chinese. */
export function isChinese(text: string): boolean {
  const { han, latinWords } = scriptCounts(text);
  return han >= 2 && han >= latinWords * 0.5;
}

const SENTENCE_END = /[。！？；!?;]|\.(?=\s|$)/gu;

/** A text cut to `max` characters at the last sentence end that keeps a third of it, else
 * at `max` with an ellipsis. */
export function cutAtSentence(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max).join("");
  let end = -1;
  for (const m of head.matchAll(SENTENCE_END)) end = m.index + m[0].length;
  if (end >= 0 && Array.from(head.slice(0, end)).length >= max / 3) return head.slice(0, end);
  return `${chars.slice(0, max - 1).join("")}…`;
}

/** "4", "4分", "4/5", 4.0, "★★★★☆" as 4; anything else null. */
export function readScore(value: unknown): number | null {
  let n: number | null = null;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    const text = value.trim();
    const m = /^([1-5])(?:\.0+)?\s*(?:分|星|颗星|\/\s*5)?$/.exec(text);
    if (m) n = Number(m[1]);
    else if (/^★{1,5}☆*$/.test(text)) n = text.replace(/☆/g, "").length;
  }
  return n !== null && Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
}

/** The JSON object inside a reply: tolerates a <think> preamble and code fences. */
export function extractJson(content: string): Record<string, unknown> {
  const text = content.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) throw new CardOutputError([CARD_PROBLEMS.notObject]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    throw new CardOutputError([CARD_PROBLEMS.notJson]);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CardOutputError([CARD_PROBLEMS.notObject]);
  }
  return parsed as Record<string, unknown>;
}

/** The answer's value for a section, under its name or one of its aliases. */
function answerValue(answer: Record<string, unknown>, name: string, s: Section): unknown {
  if (answer[name] !== undefined && answer[name] !== null) return answer[name];
  for (const alias of s.aliases ?? []) {
    if (answer[alias] !== undefined && answer[alias] !== null) return answer[alias];
  }
  return undefined;
}

/** A list as strings: an array, or one string of items separated by commas. */
function asList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  if (typeof value === "string") return value.split(/[,，、;；]/);
  return undefined;
}

/** Reads a parsed answer into a table's fields; throws CardOutputError for a missing essential. */
export function readAnswer<T extends SectionTable>(
  table: T,
  answer: Record<string, unknown>,
  ctx: AnswerContext,
): ReadAnswer<T> {
  const fields: Record<string, unknown> = {};
  const repairs: string[] = [];
  const problems: string[] = [];
  let cleaned = false;
  const clean = (name: string, text: string): string => {
    const result = cleanLlmText(text, ctx.source);
    // The count, not the text: what was removed must not reach `--format json` either.
    if (result.removed.length > 0)
      repairs.push(`${name}: removed ${result.removed.length} link(s)`);
    if (result.stripped) repairs.push(`${name}: stripped invisible characters or markup`);
    if (result.removed.length > 0 || result.stripped) cleaned = true;
    return result.text;
  };
  const oneOf: string[] = [];
  let oneOfWritten = false;

  for (const [name, s] of sectionsOf(table)) {
    const raw = answerValue(answer, name, s);
    if (s.kind === "text") {
      let text = typeof raw === "string" ? clean(name, raw) : "";
      if (text && s.chinese && !isChinese(text)) {
        if (s.need === "always") problems.push(CARD_PROBLEMS.notChinese(name));
        else repairs.push(`${name}: dropped, not Chinese`);
        text = "";
      }
      const cut = cutAtSentence(text, s.max);
      if (cut !== text) repairs.push(`${name}: cut to ${s.max}`);
      fields[name] = cut;
      if (s.need === "one-of") {
        oneOf.push(name);
        if (cut) oneOfWritten = true;
      } else if (!cut && s.need === "always") {
        if (!problems.includes(CARD_PROBLEMS.notChinese(name))) {
          problems.push(CARD_PROBLEMS.missing(name));
        }
      } else if (!cut && raw === undefined) repairs.push(`${name}: default`);
    } else if (s.kind === "list") {
      const items = (asList(raw) ?? [])
        .map((item) => cutAtSentence(clean(name, item), s.max))
        .filter((item) => item.length > 0);
      if (raw === undefined) repairs.push(`${name}: default`);
      fields[name] = [...new Set(items)].slice(0, s.maxItems);
    } else if (s.kind === "topics") {
      const given = asList(raw)?.map((t) => t.trim()) ?? [];
      const known = [...new Set(given.filter((t) => ctx.topicIds.has(t)))];
      if (known.length < given.length) repairs.push(`${name}: dropped unknown ids`);
      let ids = ctx.orderTopics ? ctx.orderTopics(known) : known;
      if (ids.join() !== known.join()) repairs.push(`${name}: specific before generic`);
      if (ids.length === 0) {
        ids = ctx.ruleTopics();
        repairs.push(`${name}: rule-based`);
      }
      fields[name] = ids.slice(0, s.maxItems);
    } else {
      const score = readScore(raw);
      if (raw === undefined) repairs.push(`${name}: missing`);
      else if (score === null) repairs.push(`${name}: unreadable`);
      else if (score !== raw) repairs.push(`${name}: read ${JSON.stringify(raw)} as ${score}`);
      fields[name] = score;
    }
  }
  if (oneOf.length > 0 && !oneOfWritten) problems.push(CARD_PROBLEMS.needOneOf(oneOf));
  if (problems.length > 0) throw new CardOutputError(problems);
  return { fields: fields as SectionValues<T>, repairs, cleaned };
}

/** Parses the model's reply and reads it into a table's fields. */
export function parseAnswer<T extends SectionTable>(
  table: T,
  content: string,
  ctx: AnswerContext,
): ReadAnswer<T> {
  return readAnswer(table, extractJson(content), ctx);
}
