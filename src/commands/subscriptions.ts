/**
 * /subscribe, /unsubscribe, /list and /topics: what a chat receives. Input is resolved through
 * src/topics (topic name or alias, arXiv category, keyword phrase) and every item of a command
 * is checked before anything is written, so a bad item changes nothing.
 */
import type { RichMessage } from "../core/message.ts";
import { bold, span } from "../core/message.ts";
import { COMMAND_HELP, DENSITY_LABEL, KIND_LABEL, T, WEEKDAY } from "../core/texts/commands.ts";
import type { Subscription, SubscriptionKind } from "../store/subscriptions.ts";
import { TopicInputError } from "../topics/errors.ts";
import { keywordLongEnough, topicProblemText, topicTextProblem } from "../topics/input.ts";
import { subscriptionLabel } from "../topics/labels.ts";
import { resolveTopic } from "../topics/resolve.ts";
import { type Taxonomy, type Topic, topicsByChapter } from "../topics/taxonomy.ts";
import type { Command, CommandContext, CommandDeps, CommandLimits } from "./context.ts";
import { echo, keywordValue, normalise, splitList, unquote } from "./input.ts";
import { reply } from "./reply.ts";
import { reportListLines } from "./reports.ts";
import { commandModule, QUICK } from "./spec.ts";
import { formatWallTime, nextDelivery, quietWeekdays } from "./time.ts";

/** The most items one /subscribe or /unsubscribe may carry. */
export const MAX_ITEMS = 10;

/** What one item of /subscribe resolved to. */
interface Target {
  kind: SubscriptionKind;
  value: string;
  /** how the reply names it */
  label: string;
  topic?: Topic;
}

type Resolution = { ok: true; target: Target } | { ok: false; error: string };

const ALL = new Set(["all", "全部", "所有", "全部取消"]);

function keywordTarget(phrase: string): Resolution {
  if (!keywordLongEnough(phrase)) return { ok: false, error: topicProblemText("too_short") };
  const value = keywordValue(phrase);
  return { ok: true, target: { kind: "keyword", value, label: `“${value}”` } };
}

/** Resolves one item of /subscribe; never throws for user input. */
export function resolveItem(raw: string): Resolution {
  const { text, quoted } = unquote(raw);
  const problem = topicTextProblem(text);
  if (problem) return { ok: false, error: topicProblemText(problem) };
  if (quoted) return keywordTarget(text);
  try {
    const resolved = resolveTopic(text);
    switch (resolved.kind) {
      case "topic":
        return {
          ok: true,
          target: {
            kind: "topic",
            value: resolved.topic.id,
            label: resolved.topic.name,
            topic: resolved.topic,
          },
        };
      case "category":
        return {
          ok: true,
          target: { kind: "category", value: resolved.category, label: resolved.category },
        };
      case "keyword": {
        const names = resolved.suggestions.map((t) => t.name);
        if (names.length > 0) {
          return {
            ok: false,
            error: `${T.topicUnknown(echo(text), names)}\n${T.keywordHint(echo(text))}`,
          };
        }
        return keywordTarget(resolved.phrase);
      }
    }
  } catch (error) {
    // src/topics words its refusals in Chinese already (with close topics when it has some).
    if (error instanceof TopicInputError) return { ok: false, error: error.message };
    throw error;
  }
}

function errorsMessage(errors: string[]): RichMessage[] {
  return [reply(...errors)];
}

export const SUBSCRIPTION_COMMANDS = commandModule(
  {
    subscribe: {
      aliases: ["sub"],
      slow: false,
      affectsDelivery: true,
      expectsDelivery: true,
      argument: { name: "topic", kind: "topic", required: true, min: 1, max: 100 },
      help: COMMAND_HELP.subscribe,
    },
    unsubscribe: {
      aliases: ["unsub"],
      slow: false,
      affectsDelivery: true,
      expectsDelivery: false,
      argument: {
        name: "topic",
        kind: "topic",
        required: true,
        min: 1,
        max: 100,
        acceptsAll: true,
      },
      help: COMMAND_HELP.unsubscribe,
    },
    list: { ...QUICK, help: COMMAND_HELP.list },
    topics: { ...QUICK, help: COMMAND_HELP.topics },
  },
  ({ deps, taxonomy, limits }) => subscriptionCommands(deps, taxonomy, limits),
);

export function subscriptionCommands(
  deps: CommandDeps,
  taxonomy: Taxonomy,
  limits: CommandLimits,
): Record<"subscribe" | "unsubscribe" | "list" | "topics", Command> {
  const label = (s: Pick<Subscription, "kind" | "value">) => subscriptionLabel(s, taxonomy);

  const subscribe: Command = ({ chat, args, incoming }) => {
    if (!args) return [reply(T.subscribeUsage)];
    const items = splitList(args);
    if (items.length === 0) return [reply(T.subscribeUsage)];
    if (items.length > MAX_ITEMS) return [reply(T.tooManyItems(MAX_ITEMS))];
    const resolutions = items.map(resolveItem);
    const errors = resolutions.flatMap((r) => (r.ok ? [] : [r.error]));
    if (errors.length) return errorsMessage(errors);
    const lines: string[] = [];
    let added = 0;
    for (const r of resolutions) {
      if (!r.ok) continue;
      const { target } = r;
      const result = deps.subscriptions.add(
        chat.id,
        target.kind,
        target.value,
        incoming.userId,
        limits.maxSubscriptions,
      );
      if (result.added) {
        added++;
        if (target.kind === "topic" && target.topic) {
          lines.push(T.subscribedTopic(target.topic.name, target.topic.chapter));
        } else if (target.kind === "category") {
          lines.push(T.subscribedCategory(target.value));
        } else {
          lines.push(T.subscribedKeyword(target.value));
        }
      } else if (result.reason === "exists") {
        lines.push(T.alreadySubscribed(target.label));
      } else {
        lines.push(T.subscriptionsFull(limits.maxSubscriptions));
        break;
      }
    }
    if (added > 0) lines.push(T.subscribeNext(chat.digestTime, chat.timezone));
    return [reply(...lines)];
  };

  /** The subscription an item of /unsubscribe names, among the chat's current ones. */
  const findSubscription = (subs: Subscription[], raw: string): Subscription | undefined => {
    const { text } = unquote(raw);
    const key = normalise(text).toLowerCase();
    const direct = subs.find(
      (s) =>
        s.value.toLowerCase() === key ||
        label(s).toLowerCase() === key ||
        label(s).replace(/[“”]/g, "").toLowerCase() === key,
    );
    if (direct) return direct;
    const r = resolveItem(raw);
    if (!r.ok) return undefined;
    return subs.find((s) => s.kind === r.target.kind && s.value === r.target.value);
  };

  const unsubscribe: Command = ({ chat, args }) => {
    if (!args) return [reply(T.unsubscribeUsage)];
    const subs = deps.subscriptions.list(chat.id);
    if (ALL.has(args.toLowerCase())) {
      if (subs.length === 0) return [reply(T.nothingToRemove)];
      const removed = deps.subscriptions.removeAll(chat.id);
      return [reply(T.unsubscribedAll(removed.map(label)))];
    }
    if (subs.length === 0) return [reply(T.nothingToRemove)];
    const items = splitList(args);
    if (items.length === 0) return [reply(T.unsubscribeUsage)];
    if (items.length > MAX_ITEMS) return [reply(T.tooManyItems(MAX_ITEMS))];
    const errors: string[] = [];
    const found: Subscription[] = [];
    for (const item of items) {
      if (/^\d{1,3}$/.test(item)) {
        const sub = subs[Number(item) - 1];
        if (sub) found.push(sub);
        else errors.push(T.badIndex(subs.length));
        continue;
      }
      const problem = topicTextProblem(unquote(item).text);
      if (problem) {
        errors.push(topicProblemText(problem));
        continue;
      }
      const sub = findSubscription(subs, item);
      if (sub) found.push(sub);
      else errors.push(T.notSubscribed(echo(item)));
    }
    if (errors.length) return errorsMessage(errors);
    const unique = [...new Set(found)];
    for (const s of unique) deps.subscriptions.remove(chat.id, s.kind, s.value);
    return [reply(T.unsubscribed(unique.map(label)))];
  };

  const list: Command = ({ chat, now }: CommandContext) => {
    const subs = deps.subscriptions.list(chat.id);
    const title = chat.type === "private" ? T.listTitlePrivate : T.listTitle;
    const subLines = subs.length
      ? subs.map((s, i) => [span(`${i + 1}. ${KIND_LABEL[s.kind]} `), bold(label(s))])
      : [[span(T.listEmpty)]];
    const state = [
      [span(T.listTime(chat.digestTime, chat.timezone))],
      [span(T.listFormat(DENSITY_LABEL[chat.density], chat.digestLimit))],
    ];
    // A chat that turned the daily digest off (/setfreq 周报) sees only its roll-ups' times.
    const daily = deps.reportStore?.settings(chat.id).frequency.includes("daily") ?? true;
    if (chat.paused || daily) {
      state.push([
        span(
          chat.paused
            ? T.listPaused
            : T.listNext(
                formatWallTime(nextDelivery(now, chat.digestTime, chat.timezone), chat.timezone),
                quietWeekdays(now, chat.digestTime, chat.timezone)
                  .map((d) => WEEKDAY[d])
                  .join("、"),
              ),
        ),
      ]);
    }
    if (deps.reports && deps.reportStore) {
      state.push(
        ...reportListLines({ reports: deps.reports, reportStore: deps.reportStore }, chat, now),
      );
    }
    if (subs.length) state.push([span(T.listCount(subs.length, limits.maxSubscriptions))]);
    return [
      {
        blocks: [
          { kind: "heading", title: [bold(title)], lines: subLines },
          { kind: "text", lines: state },
        ],
      },
    ];
  };

  const topics: Command = () => {
    const blocks: RichMessage["blocks"] = [
      { kind: "heading", title: [bold(T.topicsTitle)], lines: [] },
    ];
    for (const group of topicsByChapter(taxonomy)) {
      blocks.push({
        kind: "text",
        title: [bold(`【${group.chapter}】`)],
        lines: group.topics.map((t) => {
          // The id names the whole topic (efficiency), an alias only one part of it (MoE).
          return [bold(t.name), span(`（${t.id}）：${t.description}`)];
        }),
      });
    }
    blocks.push({ kind: "footer", lines: [[span(T.topicsFooter)]] });
    return [{ blocks }];
  };

  return { subscribe, unsubscribe, list, topics };
}
