/**
 * What a user types after /subscribe, resolved to what sudi can subscribe to: a topic of the
 * taxonomy (by name or alias), an arXiv category, or an English keyword phrase. Anything else
 * is refused with a TopicInputError that says why and, where it can, what was meant.
 */
import { canonicalCategory, looksLikeCategory } from "../core/categories.ts";
import { TopicInputError } from "./errors.ts";
import { inputProblem, MAX_TOPIC_LENGTH, MIN_KEYWORD_LENGTH } from "./input.ts";
import { nameKey, normalise } from "./normalise.ts";
import { suggestTopics } from "./suggest.ts";
import { loadTaxonomy, type Taxonomy, type Topic } from "./taxonomy.ts";

export type Resolution =
  | { kind: "topic"; topic: Topic }
  /** canonical spelling: cs.CV, eess.AS, hep-th */
  | { kind: "category"; category: string }
  /** lower-cased, whitespace collapsed; suggestions are topics close to it, best first */
  | { kind: "keyword"; phrase: string; suggestions: Topic[] };

/** An English keyword phrase: letters, digits, spaces, '-', '+', '.', with at least one letter. */
const KEYWORD = /^(?=.*[a-z])[a-z0-9][a-z0-9 +.-]*$/;

const indexes = new WeakMap<Taxonomy, Map<string, Topic>>();

/** Every id, name and alias of the taxonomy by its key (see nameKey). */
function nameIndex(taxonomy: Taxonomy): Map<string, Topic> {
  let index = indexes.get(taxonomy);
  if (!index) {
    index = new Map();
    for (const topic of taxonomy.topics) {
      for (const name of [topic.id, topic.name, ...topic.aliases]) {
        const key = nameKey(name);
        if (!index.has(key)) index.set(key, topic);
      }
    }
    indexes.set(taxonomy, index);
  }
  return index;
}

/** The topic whose id, name or alias is `text` in any spelling, or undefined. */
export function findTopic(text: string, taxonomy: Taxonomy = loadTaxonomy()): Topic | undefined {
  return nameIndex(taxonomy).get(nameKey(text));
}

/**
 * Resolves user input: a topic name or alias first (文生视频, 文生視頻, ＴＥＸＴ－ＴＯ－ＶＩＤＥＯ),
 * then an arXiv category (cs.cv → cs.CV), then an English keyword phrase. Throws
 * TopicInputError for what src/topics/input.ts refuses (empty, more than MAX_TOPIC_LENGTH
 * characters, invisible characters) and for anything else (Chinese that is not a topic, an unknown category such as
 * cs.XY, symbols), with close topics as suggestions.
 */
export function resolveTopic(input: string, taxonomy: Taxonomy = loadTaxonomy()): Resolution {
  const collapsed = input.replace(/\s+/gu, " ").trim();
  const shown = [...collapsed].slice(0, MAX_TOPIC_LENGTH).join("");
  const problem = inputProblem(input);
  if (problem) throw new TopicInputError(problem, shown);

  const topic = findTopic(collapsed, taxonomy);
  if (topic) return { kind: "topic", topic };

  const text = normalise(collapsed);
  const category = canonicalCategory(text);
  if (category) return { kind: "category", category };
  if (looksLikeCategory(text)) throw new TopicInputError("unknown", shown);

  if (text.length >= MIN_KEYWORD_LENGTH && KEYWORD.test(text)) {
    return { kind: "keyword", phrase: text, suggestions: suggestTopics(text, taxonomy) };
  }
  // Chinese (or other) text that names no topic: it cannot match English abstracts as a keyword.
  throw new TopicInputError("unknown", shown, suggestTopics(text, taxonomy));
}
