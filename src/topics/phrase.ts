/**
 * English keyword phrases as regular expressions. One spelling in data/topics.json covers its
 * usual variants: "text-to-video" also matches "text to video" and "Text-to-Videos", and every
 * match is word-bounded, so "RAG" never matches "fragment" or "drag". A spelling without a
 * separator ("multiagent") is a phrase of its own.
 */

/** A phrase never touches a letter or digit (of any script) on either side. */
const BEFORE = "(?<![\\p{L}\\p{N}])";
const AFTER = "(?![\\p{L}\\p{N}])";

/** The words of a phrase, lower-cased: spaces and hyphens both separate words. */
export function phraseWords(phrase: string): string[] {
  return phrase
    .normalize("NFKC")
    .toLowerCase()
    .split(/[\s-]+/u)
    .filter((w) => w.length > 0);
}

/** What two spellings of one phrase share: its words run together ("text-to-video" → "texttovideo"). */
export function phraseKey(phrase: string): string {
  return phraseWords(phrase).join("");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Between two words: spaces or hyphens, at least one ("text-to-video", "text to video"). */
const SEPARATOR = "[\\s-]+";

interface TrieNode {
  next: Map<string, TrieNode>;
  /** the endings a phrase that stops here may take: "" (none), a plural, or y/ies */
  ends: Set<string>;
}

/**
 * A phrase's words, spelled for the trie, and the ending its last word may take: model →
 * models, speech → speeches, policy → policies; nothing after a digit or symbol.
 */
function trieEntry(phrase: string): { text: string; end: string } {
  const text = phraseWords(phrase).join(" ");
  if (/[^aeiou]y$/.test(text)) return { text: text.slice(0, -1), end: "(?:y|ies)" };
  if (/[a-z]$/.test(text)) return { text, end: "(?:e?s)?" };
  return { text, end: "" };
}

/**
 * Regex source for many phrases as a character trie: "agent", "agentic" and "ai safety" share
 * their prefixes, so the regex engine tries a handful of branches at each position instead of
 * every phrase, and a longer phrase is always tried before a shorter one it extends.
 */
function trieSource(phrases: readonly string[]): string {
  const root: TrieNode = { next: new Map(), ends: new Set() };
  for (const phrase of phrases) {
    const { text, end } = trieEntry(phrase);
    if (text === "") continue;
    let node = root;
    for (const ch of text) {
      let child = node.next.get(ch);
      if (!child) {
        child = { next: new Map(), ends: new Set() };
        node.next.set(ch, child);
      }
      node = child;
    }
    node.ends.add(end);
  }
  const emit = (node: TrieNode): string => {
    const branches = [...node.next].map(
      ([ch, child]) => (ch === " " ? SEPARATOR : escapeRegExp(ch)) + emit(child),
    );
    branches.push(...node.ends);
    return branches.length === 1 ? (branches[0] ?? "") : `(?:${branches.join("|")})`;
  };
  return emit(root);
}

/**
 * One regex for many phrases, word-bounded, to run on lower-cased text (see searchableText).
 * At any position the longest phrase wins: "hate speech" is read as one phrase, not as "speech".
 */
export function phrasesRegExp(phrases: readonly string[], flags = "gu"): RegExp {
  return new RegExp(`${BEFORE}${trieSource(phrases)}${AFTER}`, flags);
}

/**
 * The key of a matched text, to look up which phrase matched: tries the text as it is, then
 * without a plural ending, in the order the regex allows them.
 */
export function matchedKeyCandidates(matched: string): string[] {
  const key = matched.replace(/[\s-]+/gu, "");
  const out = [key];
  if (key.endsWith("s")) out.push(key.slice(0, -1));
  if (key.endsWith("es")) out.push(key.slice(0, -2));
  if (key.endsWith("ies")) out.push(`${key.slice(0, -3)}y`);
  return out;
}

/** Lower-cased, compatibility-folded text, the form every phrase regex runs on. */
export function searchableText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}
