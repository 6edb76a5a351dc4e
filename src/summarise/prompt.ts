/**
 * The card prompt: a versioned text file in prompts/ with a `[system]` and a `[user]` section
 * and `{{placeholders}}`. `{{fields}}` is filled with the card's field list, rendered from its
 * section table, so the version is the file name plus a short hash of that list
 * (`card-v1+1a2b3c`): a change of wording is a new file, a change of the table a new hash,
 * and every stored card says which prompt wrote it.
 *
 * Paper metadata is untrusted: it is capped in length, stripped of control characters, and its
 * angle brackets are made full-width so nothing in it can close the `<paper>` block the
 * prompt tells the model not to obey.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type SectionTable, SHORT_CARD, sectionsOf } from "../core/card-sections.ts";
import type { Paper } from "../store/paper.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";

export const PROMPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../prompts");
export const DEFAULT_PROMPT_FILE = join(PROMPTS_DIR, "card-v1.txt");

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Caps on untrusted fields, in characters (arXiv's own abstract limit is 1,920). */
export const LIMITS = { title: 300, abstract: 2000, comment: 300 } as const;

/** Thrown when a prompt file lacks a section or names an unknown placeholder. */
export class PromptFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`prompt ${file}: ${problem}`);
    this.name = "PromptFileError";
  }
}

export interface CardPrompt {
  /** the file name without .txt, plus "+hash" of the field list when the file has
   * {{fields}}, e.g. "card-v1+1a2b3c"; stored with every card */
  version: string;
  system: string;
  user: string;
}

const KNOWN = new Set([
  ...["topics", "id", "title", "abstract", "comment", "fields"],
  // the deep read and /ask (src/summarise/deep.ts)
  ...["excerpt", "question"],
]);

/** The prompt's field list: one line per section, `name：what to write`. */
export function fieldList(table: SectionTable): string {
  return sectionsOf(table)
    .map(([name, s]) => `${name}：${s.text.ask}`)
    .join("\n");
}

/** Six hex digits of a text's SHA-256: enough to tell field lists apart. */
function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 6);
}

/** Reads and checks a prompt file, filling {{fields}} from a card's section table. */
export function loadCardPrompt(
  file = DEFAULT_PROMPT_FILE,
  table: SectionTable = SHORT_CARD,
): CardPrompt {
  const raw = readFileSync(file, "utf8").replace(/\r\n/g, "\n");
  const fields = fieldList(table);
  const hasFields = raw.includes("{{fields}}");
  const text = raw.replace("{{fields}}", () => fields);
  const m = /^\[system\]\n([\s\S]*?)^\[user\]\n([\s\S]*)$/m.exec(text);
  if (!m?.[1] || !m[2]) throw new PromptFileError(file, "expected [system] then [user] sections");
  for (const [, name] of text.matchAll(/\{\{(\w+)\}\}/g)) {
    if (!KNOWN.has(name ?? "")) throw new PromptFileError(file, `unknown placeholder {{${name}}}`);
  }
  const base = basename(file).replace(/\.txt$/, "");
  return {
    version: hasFields ? `${base}+${shortHash(fields)}` : base,
    system: m[1].trim(),
    user: m[2].trim(),
  };
}

/** Untrusted text made safe to put inside the delimited block. */
export function untrusted(text: string | null, max: number): string {
  if (!text) return "（无）";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  let clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ").replace(/\s+/g, " ");
  clean = clean.replace(/</g, "＜").replace(/>/g, "＞").trim();
  if (clean.length > max) clean = `${clean.slice(0, max - 1)}…`;
  return clean || "（无）";
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? "");
}

/** The topics offered to the model: "id 名称" pairs. */
export function topicList(taxonomy: Taxonomy): string {
  return taxonomy.topics.map((t) => `${t.id} ${t.name}`).join(", ");
}

/** The system and user messages for one paper. */
export function renderCardMessages(
  prompt: CardPrompt,
  paper: Paper,
  taxonomy: Taxonomy,
): ChatMessage[] {
  const values = {
    topics: topicList(taxonomy),
    id: untrusted(paper.id, 40),
    title: untrusted(paper.title, LIMITS.title),
    abstract: untrusted(paper.abstract, LIMITS.abstract),
    comment: untrusted(paper.comment, LIMITS.comment),
  };
  return [
    { role: "system", content: fill(prompt.system, values) },
    { role: "user", content: fill(prompt.user, values) },
  ];
}
