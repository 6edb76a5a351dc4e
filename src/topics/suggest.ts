/**
 * Close topics for what a user typed that is not a topic: a typo (文生视屏 → 文生视频), a part
 * of a name (视频 → 文生视频) or an English word near an alias (agents → 智能体).
 */
import { nameKey } from "./normalise.ts";
import { phraseKey } from "./phrase.ts";
import type { Taxonomy, Topic } from "./taxonomy.ts";

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

function chineseCharacters(text: string): Set<string> {
  return new Set([...text].filter((ch) => CJK.test(ch)));
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > max) return max + 1;
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > max) return max + 1;
    previous = current;
  }
  return previous[t.length] ?? 0;
}

/** Typos allowed for a word of this length: none in a short English word (rl, ai). */
function allowedEdits(length: number, chinese: boolean): number {
  if (chinese) return length >= 6 ? 2 : length >= 2 ? 1 : 0;
  return length >= 8 ? 2 : length >= 4 ? 1 : 0;
}

/** How close `input` is to `candidate`, both keys: 1 equal, 0 unrelated. */
function closeness(input: string, candidate: string): number {
  if (input === candidate) return 1;
  const chinese = CJK.test(input);
  const shorter = Math.min(input.length, candidate.length);
  const longer = Math.max(input.length, candidate.length);
  const edits = allowedEdits(shorter, chinese);
  const d = edits > 0 ? editDistance(input, candidate, edits) : edits + 1;
  // One character of two changed is as often another word (视频/音频) as a typo (对其/对齐):
  // worth suggesting, after anything closer.
  if (d <= edits) return chinese && longer === 2 ? 0.45 : 0.9 - 0.1 * d;
  if (shorter >= (chinese ? 2 : 3) && (candidate.includes(input) || input.includes(candidate))) {
    return 0.5 + 0.3 * (shorter / longer);
  }
  if (chinese) {
    // Same characters in another order: 生成视频 ~ 视频生成.
    const a = chineseCharacters(input);
    const b = chineseCharacters(candidate);
    const shared = [...a].filter((ch) => b.has(ch)).length;
    const dice = shared === 0 ? 0 : (2 * shared) / (a.size + b.size);
    if (dice >= 0.8) return 0.4 * dice;
  }
  return 0;
}

/** The keys a topic is known by: id, name, aliases, and its keyword phrases. */
function topicKeys(topic: Topic): string[] {
  return [
    ...new Set([
      nameKey(topic.id),
      nameKey(topic.name),
      ...topic.aliases.map(nameKey),
      ...topic.keywords.map(phraseKey),
    ]),
  ];
}

const keysCache = new WeakMap<Taxonomy, { topic: Topic; keys: string[] }[]>();

/** Up to `limit` topics close to the input, closest first (taxonomy order among equals). */
export function suggestTopics(input: string, taxonomy: Taxonomy, limit = 3): Topic[] {
  let entries = keysCache.get(taxonomy);
  if (!entries) {
    entries = taxonomy.topics.map((topic) => ({ topic, keys: topicKeys(topic) }));
    keysCache.set(taxonomy, entries);
  }
  const key = nameKey(input);
  if (key === "") return [];
  // An English plural is close to its singular: agents → agent.
  const forms = [key, ...(/[a-z]s$/.test(key) ? [key.replace(/e?s$/, ""), key.slice(0, -1)] : [])];
  return entries
    .map(({ topic, keys }, index) => ({
      topic,
      index,
      score: Math.max(0, ...keys.flatMap((k) => forms.map((f) => closeness(f, k)))),
    }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((s) => s.topic);
}
