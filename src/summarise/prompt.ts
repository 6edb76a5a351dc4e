/**
 * The card prompt: a versioned text file in prompts/ (`card-v1.txt` is version "card-v1"),
 * with a `[system]` and a `[user]` section and `{{placeholders}}`. A change of wording is a
 * new file, so every stored card says which prompt wrote it and the cache never mixes them.
 *
 * Paper metadata is untrusted: it is capped in length, stripped of control characters, and its
 * angle brackets are made full-width so nothing in it can close the `<paper>` block the
 * prompt tells the model not to obey.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
  /** the file name without .txt, e.g. "card-v1"; stored with every card */
  version: string;
  system: string;
  user: string;
}

const KNOWN = new Set(["topics", "id", "title", "abstract", "comment"]);

/** Reads and checks a prompt file. */
export function loadCardPrompt(file = DEFAULT_PROMPT_FILE): CardPrompt {
  const text = readFileSync(file, "utf8").replace(/\r\n/g, "\n");
  const m = /^\[system\]\n([\s\S]*?)^\[user\]\n([\s\S]*)$/m.exec(text);
  if (!m?.[1] || !m[2]) throw new PromptFileError(file, "expected [system] then [user] sections");
  for (const [, name] of text.matchAll(/\{\{(\w+)\}\}/g)) {
    if (!KNOWN.has(name ?? "")) throw new PromptFileError(file, `unknown placeholder {{${name}}}`);
  }
  return { version: basename(file).replace(/\.txt$/, ""), system: m[1].trim(), user: m[2].trim() };
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
