/**
 * Which liked paper a ranked paper is most like, for its "与你收藏的《…》相近" line: the cosine
 * of tf-idf vectors, computed against a dense copy of the ranked paper (64 writes) so each
 * liked paper costs 64 look-ups instead of a merge of two term lists. Every sum runs over the
 * liked paper's buckets in ascending order, the shared ones contributing exactly what
 * cosine() adds and the others zero, so the figures are cosine()'s.
 */
import { BUCKETS, type SparseVector } from "./tfidf.ts";

export interface Vectored {
  paperId: string;
  x: SparseVector;
}

/** One ranked paper's weights at a time (zero elsewhere). */
const dense = new Float64Array(BUCKETS);

/**
 * For each query, the liked paper with the highest cosine above `min` (the first one on a
 * tie), never the paper itself; undefined when none is that close.
 */
export function nearestLiked(
  liked: readonly Vectored[],
  queries: readonly Vectored[],
  min: number,
): (string | undefined)[] {
  return queries.map((q) => {
    const { ids, values } = q.x;
    for (let k = 0; k < ids.length; k++) dense[ids[k] as number] = values[k] as number;
    let best = min;
    let nearest: string | undefined;
    for (const l of liked) {
      if (l.paperId === q.paperId) continue;
      const li = l.x.ids;
      const lv = l.x.values;
      let sum = 0;
      for (let k = 0; k < li.length; k++)
        sum += (lv[k] as number) * (dense[li[k] as number] as number);
      if (sum > best) {
        best = sum;
        nearest = l.paperId;
      }
    }
    for (let k = 0; k < ids.length; k++) dense[ids[k] as number] = 0;
    return nearest;
  });
}
