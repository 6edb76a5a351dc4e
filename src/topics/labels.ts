/**
 * How a subscription is named to users: a topic by its Chinese name, a category as itself,
 * a keyword in quotes. Shared by /list, /unsubscribe replies and digest headers.
 */
import type { Subscription } from "../store/subscriptions.ts";
import { loadTaxonomy, type Taxonomy, topicById } from "./taxonomy.ts";

export function subscriptionLabel(
  sub: Pick<Subscription, "kind" | "value">,
  taxonomy: Taxonomy = loadTaxonomy(),
): string {
  switch (sub.kind) {
    case "topic":
      return topicById(taxonomy, sub.value)?.name ?? sub.value;
    case "category":
      return sub.value;
    case "keyword":
      return `“${sub.value}”`;
    case "author":
      return sub.value;
  }
}
