/**
 * What the LLM writes is checked like user input. A card may hold nothing that a Telegram or
 * Discord client would turn into a link or a mention: host/path forms such as t.me/x, bare
 * host names such as evil.xyz and `@handle`s at a word start go unless the same text occurs
 * in the paper's own title, abstract or comment (so `train.py` stays when the abstract has
 * it, and `pass@1` is no mention); scheme URLs and `www.` forms go always. Invisible and bidi characters, HTML tags and Markdown
 * links go too. The caller records that a text was cleaned.
 */

/** Zero-width, bidi-control and other invisible characters, which user input refuses. */
const INVISIBLE = new RegExp(
  "[\\u00ad\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f" +
    "\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0]",
  "gu",
);
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const HTML_TAG = /<\/?[a-z][^<>]*>/gi;
const MARKDOWN_LINK = /!?\[([^\]\n]*)\]\([^)\n]*\)/g;

const STOP = String.raw`[^\s，。；、）)》」】]`;

/**
 * Forms a chat client links. Scheme URLs and `www.` forms are never kept: a card never needs
 * one (code builds its links from the id), and an injected abstract could carry them.
 */
const ALWAYS_LINKS = new RegExp(
  [
    String.raw`\b[a-z][a-z0-9+.-]*:\/\/${STOP}*`,
    String.raw`\b(?:mailto|tg|javascript|data|tel|sms|file):${STOP}+`,
    String.raw`\bwww\.${STOP}+`,
  ].join("|"),
  "giu",
);

/**
 * Forms kept only when the paper's own text has them: a host (ASCII labels joined by dots,
 * ending in a 2+ letter label) with an optional path, so `train.py` or `github.com/x/y` from
 * the abstract stay; an @handle that starts a word (`pass@1` does not).
 */
const SOURCED_LINKS = new RegExp(
  [
    String.raw`(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9_-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9_-])(?:\/${STOP}*)?`,
    "(?<![A-Za-z0-9_.@])@[A-Za-z0-9_]{2,}",
  ].join("|"),
  "giu",
);

export interface CleanResult {
  text: string;
  /** the linkable forms taken out, as written */
  removed: string[];
  /** whether invisible characters, tags or Markdown links were taken out */
  stripped: boolean;
}

/** Lower-cased source text a linkable form may quote. */
export function sourceText(paper: {
  title: string;
  abstract: string;
  comment?: string | null;
}): string {
  return `${paper.title}\n${paper.abstract}\n${paper.comment ?? ""}`.toLowerCase();
}

/** A text of the LLM made safe for a chat, against the paper's own text (`sourceText`). */
export function cleanLlmText(text: string, source: string): CleanResult {
  let out = text.normalize("NFC");
  const before = out;
  out = out.replace(INVISIBLE, "").replace(CONTROL, " ");
  out = out.replace(MARKDOWN_LINK, "$1").replace(HTML_TAG, "");
  const stripped = out !== before;
  const removed: string[] = [];
  out = out.replace(ALWAYS_LINKS, (match) => {
    removed.push(match);
    return "";
  });
  out = out.replace(SOURCED_LINKS, (match) => {
    // A trailing dot ends a sentence, not a host.
    const form = match.replace(/[.。]+$/, "");
    if (source.includes(form.toLowerCase())) return match;
    removed.push(form);
    return match.slice(form.length);
  });
  if (removed.length > 0) {
    out = out
      .replace(/[（(]\s*[)）]/g, "")
      .replace(/[ \t]{2,}/g, " ")
      .replace(/\s+([，。；、,.;])/g, "$1");
  }
  return { text: out.trim(), removed, stripped };
}
