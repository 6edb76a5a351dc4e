/**
 * The learned ranking as other features use it (周报/月报, the web archive): build one Ranker
 * over the stores and call `rankFor(chatId, papers)`; it orders the given papers by the chat's
 * model (best first, unchanged without one) and names the liked paper each resembles.
 */
export { MIN_POSITIVES, type RankedPaper, Ranker, type RankerDeps } from "./ranker.ts";
