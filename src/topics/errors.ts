/**
 * Why a topic a user typed was refused, as a typed error: the chat command decides on `reason`,
 * shows `message` (Chinese) and may offer `suggestions` as buttons.
 */

import { looksLikeCategory } from "../core/categories.ts";
import { TOPIC } from "../core/texts/topics.ts";
import { type TopicTextProblem, topicProblemText } from "./input.ts";
import type { Topic } from "./taxonomy.ts";

export type TopicInputReason = TopicTextProblem | "unknown";

function messageFor(reason: TopicInputReason, input: string, suggestions: Topic[]): string {
  if (reason !== "unknown") return topicProblemText(reason);
  return looksLikeCategory(input)
    ? TOPIC.notACategory(input)
    : TOPIC.unknown(
        input,
        suggestions.map((t) => t.name),
      );
}

export class TopicInputError extends Error {
  constructor(
    readonly reason: TopicInputReason,
    /** what the user typed, whitespace collapsed and cut to MAX_TOPIC_LENGTH characters */
    readonly input: string,
    /** close topics, best first; empty when nothing is close */
    readonly suggestions: Topic[] = [],
  ) {
    super(messageFor(reason, input, suggestions));
    this.name = "TopicInputError";
  }
}
