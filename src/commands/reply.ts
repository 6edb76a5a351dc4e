/**
 * A short reply: one paragraph whose lines are the given sentences (a sentence holding "\n"
 * spans several lines). Kept as one block so every renderer shows it without blank lines.
 */
import { type RichMessage, span } from "../core/message.ts";

export function reply(...sentences: string[]): RichMessage {
  const lines = sentences.flatMap((s) => s.split("\n")).map((text) => [span(text)]);
  return { blocks: [{ kind: "text", lines }] };
}
