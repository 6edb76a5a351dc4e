/**
 * Title + abstract as terms for tf-idf: lower-cased words (LaTeX commands and numbers dropped,
 * a crude plural fold), stop words removed, plus bigrams of neighbouring words, as
 * arxiv-sanity-lite's vectorizer does with ngram_range (1, 2).
 */

const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by can do does for from has have how however in into is it " +
    "its it's more most not of on or our over such than that the their them then there these " +
    "they this those through to under up via was we were what when where which while who will " +
    "with within without would also both each other only same so some very well may might must " +
    "should could between among across after before during about above below further here all " +
    "any many much new novel propose proposed proposes present presents paper approach method " +
    "methods show shows shown result results use used using based work existing one two three " +
    "first second large significantly achieve achieves state art demonstrate experiments"
  ).split(" "),
);

/** "models" → "model", "policies" → "policy"; short words and -ss/-us/-is endings stay. */
function fold(word: string): string {
  if (word.length <= 3 || !word.endsWith("s")) return word;
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.endsWith("ss") || word.endsWith("us") || word.endsWith("is")) return word;
  return word.slice(0, -1);
}

const DIGITS = /^[\d-]+$/;

/** The words of a text, folded, stop words removed (their place kept as a gap for bigrams). */
export function words(text: string): (string | null)[] {
  const cleaned = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\\[a-z]+/g, " ")
    .replace(/\$[^$]*\$/g, " ");
  const out: (string | null)[] = [];
  for (const raw of cleaned.split(/[^a-z0-9-]+/)) {
    const word = raw.startsWith("-") || raw.endsWith("-") ? raw.replace(/^-+|-+$/g, "") : raw;
    if (word.length < 2 || STOP_WORDS.has(word) || DIGITS.test(word)) {
      if (out.at(-1) !== null) out.push(null);
      continue;
    }
    out.push(fold(word));
  }
  return out;
}

/** Unigrams and bigrams (two neighbouring kept words) of a text. */
export function terms(text: string): string[] {
  const ws = words(text);
  const out: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (!w) continue;
    out.push(w);
    const next = ws[i + 1];
    if (next) out.push(`${w} ${next}`);
  }
  return out;
}
