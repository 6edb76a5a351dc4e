/**
 * Issue 14's personal ranking as a 周报/月报 RankingProvider: the chat's mutes and minimum
 * score (read for a whole scheduler chunk at once) and its learned model. A chat without a
 * model stays on the shared fast path; one with a model has all its matched papers scored
 * in one call, the model's logit mapped onto the 1–5 scale of 推荐指数.
 */
import type { Ranker } from "../ranking/index.ts";
import type { ChatFilters, RankingProvider } from "./select.ts";

/** A model's logit on the 1–5 scale of 推荐指数 (0 → 3, the middle). */
export const learnedScore = (logit: number) => 1 + 4 / (1 + Math.exp(-logit));

export interface PersonalRankingDeps {
  /** PersonalStore fits */
  filters: { filtersFor(chats: readonly number[]): ReadonlyMap<number, ChatFilters> };
  ranker: Pick<Ranker, "hasModel" | "rankFor">;
}

export function personalRanking(deps: PersonalRankingDeps): RankingProvider {
  return {
    filtersFor: (chats) => deps.filters.filtersFor(chats),
    hasModel: (chat) => deps.ranker.hasModel(chat),
    learnedScores: (chat, papers) =>
      new Map(deps.ranker.rankFor(chat, papers).map((r) => [r.paper.id, learnedScore(r.score)])),
  };
}
