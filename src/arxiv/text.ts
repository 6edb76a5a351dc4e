/**
 * Text clean-up for arXiv metadata: arXiv wraps titles and abstracts at ~80 columns and pads
 * them with spaces; readers (and the LLM) want one line. LaTeX stays as written: it is the
 * author's text, and the renderers escape it for their target format.
 */

// A run of two or more whitespace characters, or a single one that is not a plain space: the
// same result as replacing every /\s+/ run, without rewriting the many single spaces (3x faster
// on abstracts, which is most of what an ingest reads).
const WHITESPACE_TO_COLLAPSE = /\s\s+|[^\S ]/g;

/** Collapses every run of whitespace (line wrapping included) into one space. */
export function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE_TO_COLLAPSE, " ").trim();
}

const URL_PATTERN =
  /(?:https?:\/\/|\bwww\.|\b(?:github\.com|gitlab\.com|huggingface\.co)\/)[^\s<>"'{}|\\^`]+/gi;
const CODE_HOST = /^https?:\/\/(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|hf\.co)\/\S/i;
const PROJECT_HOST = /^https?:\/\/[^/]+\.(?:github\.io|gitlab\.io)(?:\/|$)/i;
const PROJECT_CONTEXT =
  /\b(?:code|codes|project|page|website|homepage|demo|available|released|repository|github)\b/i;

/** Drops what authors' punctuation glues to the end of a URL: "see https://x.io/a)." */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const last = url.at(-1) ?? "";
    if (".,;:!?'\"*".includes(last)) {
      url = url.slice(0, -1);
      continue;
    }
    const pairs: Record<string, string> = { ")": "(", "]": "[" };
    const open = pairs[last];
    if (open && url.split(open).length <= url.split(last).length - 1) {
      url = url.slice(0, -1);
      continue;
    }
    return url;
  }
}

/**
 * The code or project-page URL an abstract or comment mentions: a GitHub / GitLab /
 * Hugging Face repository first, otherwise a *.github.io page or a URL introduced as the
 * code, project page or demo. Null when there is none.
 */
export function findCodeUrl(...texts: Array<string | null | undefined>): string | null {
  let project: string | null = null;
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(URL_PATTERN)) {
      let url = trimUrl(match[0]);
      if (!/^https?:\/\//i.test(url)) url = `https://${url}`;
      if (!/^https?:\/\/[^/]+\.[a-z]{2,}/i.test(url)) continue;
      if (CODE_HOST.test(url)) return url;
      if (project) continue;
      const before = text.slice(Math.max(0, (match.index ?? 0) - 60), match.index);
      if (PROJECT_HOST.test(url) || PROJECT_CONTEXT.test(before)) project = url;
    }
  }
  return project;
}
