/**
 * Personal digests, the chat's side: /follow and /unfollow (authors), /mute and /unmute,
 * /setminscore, and a group member's own subscriptions (`/subscribe me …`, `/follow me …`,
 * `/list me`, `/mention off|on`). The group's own follows, mutes and minimum score follow the
 * admin rule of subscriptions; `me` commands are anyone's, for themselves.
 */

import { bold, span } from "../core/message.ts";
import { COMMAND_HELP, KIND_LABEL, T } from "../core/texts/commands.ts";
import { R } from "../core/texts/ranking.ts";
import { followValue, parseFollow } from "../ranking/authors.ts";
import type { Ranker } from "../ranking/ranker.ts";
import type { MemberStore } from "../store/members.ts";
import type { PersonalStore } from "../store/personal.ts";
import type { SubscriptionKind } from "../store/subscriptions.ts";
import type { VoteStore } from "../store/votes.ts";
import { keywordLongEnough, topicProblemText, topicTextProblem } from "../topics/input.ts";
import { subscriptionLabel } from "../topics/labels.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import type { Command, CommandContext, CommandDeps, CommandLimits } from "./context.ts";
import { echo, keywordValue, unquote } from "./input.ts";
import { reply } from "./reply.ts";
import { type CommandSet, commandModule, QUICK, TEXT_MAX } from "./spec.ts";
import { resolveItem } from "./subscriptions.ts";

/** The stores and services of personal digests (createChatServices builds them). */
export interface PersonalServices {
  personal: PersonalStore;
  members: MemberStore;
  votes: VoteStore;
  ranker: Ranker;
  /** SUDI_CATEGORIES: what follows can see */
  categories: readonly string[];
}

/** Muted phrases a chat may hold. */
export const MAX_MUTES = 50;
/** A member's own subscriptions in one group. */
export const MAX_MEMBER_SUBSCRIPTIONS = 20;
const MAX_AUTHOR_LENGTH = 64;
/** Letters (any script, accents), spaces, dots, hyphens, apostrophes and a comma. */
const AUTHOR_TEXT = /^[\p{L}\p{M} .,'’-]+$/u;
const FOLLOW_INPUT = /^[\p{L}\p{M}\p{N} .,'’|｜+-]+$/u;

/** The follow value typed, or null when it is not a usable name (with cues). */
export function parseFollowInput(args: string): string | null {
  const { text } = unquote(args.normalize("NFKC").trim());
  if (!text || Array.from(text).length > MAX_AUTHOR_LENGTH * 2 || !FOLLOW_INPUT.test(text)) {
    return null;
  }
  const value = followValue(text);
  const [name = ""] = value.split(" | ");
  if (!name || Array.from(name).length > MAX_AUTHOR_LENGTH || !AUTHOR_TEXT.test(name)) return null;
  if (!/\p{L}/u.test(name)) return null;
  return parseFollow(value) ? value : null;
}

/** Splits a leading "me" off the argument: `/subscribe me 文生视频`. */
export function splitMe(args: string): { me: boolean; rest: string } {
  const m = /^me(?:\s+([\s\S]*))?$/i.exec(args);
  return m ? { me: true, rest: (m[1] ?? "").trim() } : { me: false, rest: args };
}

/**
 * Personal digests (issue 14): follows, mutes and the minimum score change what the chat
 * receives; /mention is a member's own. In a group, `/subscribe me`, `/follow me`,
 * `/unsubscribe me`, `/unfollow me` and `/list me` are a member's own variants (not in menus).
 */
export const PERSONAL_COMMANDS = commandModule(
  {
    follow: {
      ...QUICK,
      affectsDelivery: true,
      expectsDelivery: true,
      argument: { name: "author", kind: "text", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.follow,
    },
    unfollow: {
      ...QUICK,
      affectsDelivery: true,
      argument: { name: "author", kind: "text", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.unfollow,
    },
    mute: {
      ...QUICK,
      affectsDelivery: true,
      argument: { name: "words", kind: "text", required: true, min: 1, max: 64 },
      help: COMMAND_HELP.mute,
    },
    unmute: {
      ...QUICK,
      affectsDelivery: true,
      argument: { name: "words", kind: "text", required: false, min: 1, max: 64 },
      help: COMMAND_HELP.unmute,
    },
    setminscore: {
      ...QUICK,
      affectsDelivery: true,
      argument: { name: "score", kind: "text", required: true, min: 1, max: 3 },
      help: COMMAND_HELP.setminscore,
    },
    mention: {
      ...QUICK,
      argument: {
        name: "state",
        kind: "choice",
        required: true,
        min: 2,
        max: 3,
        choices: ["off", "on"],
      },
      help: COMMAND_HELP.mention,
    },
  },
  ({ deps, taxonomy, limits }) => personalCommands(deps, deps.personal, taxonomy, limits),
);

export function personalCommands(
  deps: CommandDeps,
  services: PersonalServices,
  taxonomy: Taxonomy,
  limits: CommandLimits,
): CommandSet<"follow" | "unfollow" | "mute" | "unmute" | "setminscore" | "mention"> {
  const { personal, members } = services;
  const label = (kind: SubscriptionKind, value: string) =>
    subscriptionLabel({ kind, value }, taxonomy);
  const scope = () => R.followScope(services.categories.join(", "));

  /** Remembers who a member is, so the digest can name and mention them. */
  const touch = ({ chat, incoming }: CommandContext) =>
    members.touch(chat.id, incoming.userId, incoming.userName ?? null);

  const followReply = (value: string, own: boolean): string[] => {
    const follow = parseFollow(value);
    const name = follow?.name ?? value;
    const lines = [own ? R.followedMember(value) : R.followed(value)];
    if (follow?.needsCue) lines.push(R.followNeedsCue(name));
    lines.push(scope());
    return lines;
  };

  const follow: Command = (ctx) => {
    const { chat, args, incoming } = ctx;
    const value = args ? parseFollowInput(args) : null;
    if (!args) return [reply(R.followUsage)];
    if (!value) return [reply(R.followBadName, R.followUsage)];
    const result = deps.subscriptions.add(
      chat.id,
      "author",
      value,
      incoming.userId,
      limits.maxSubscriptions,
    );
    if (!result.added && result.reason === "exists") return [reply(R.alreadyFollowed(value))];
    if (!result.added) return [reply(T.subscriptionsFull(limits.maxSubscriptions))];
    return [reply(...followReply(value, false))];
  };

  const unfollow: Command = ({ chat, args }) => {
    if (!args) return [reply(R.unfollowUsage)];
    const value = parseFollowInput(args);
    const subs = deps.subscriptions.list(chat.id).filter((s) => s.kind === "author");
    const found = subs.find(
      (s) => s.value === value || s.value.split(" | ")[0] === value?.split(" | ")[0],
    );
    if (!found) return [reply(R.notFollowed(echo(args)))];
    deps.subscriptions.remove(chat.id, "author", found.value);
    return [reply(R.unfollowed(found.value))];
  };

  const mutePhrase = (args: string): { phrase: string } | { error: string } => {
    const { text } = unquote(args);
    const problem = topicTextProblem(text);
    if (problem) return { error: topicProblemText(problem) };
    if (!keywordLongEnough(text)) return { error: topicProblemText("too_short") };
    return { phrase: keywordValue(text) };
  };

  const mute: Command = ({ chat, args }) => {
    if (!args) return [reply(R.muteUsage)];
    const parsed = mutePhrase(args);
    if ("error" in parsed) return [reply(parsed.error)];
    if (personal.mutes(chat.id).length >= MAX_MUTES) return [reply(R.mutesFull(MAX_MUTES))];
    if (!personal.mute(chat.id, parsed.phrase)) return [reply(R.alreadyMuted(parsed.phrase))];
    return [reply(R.muted(parsed.phrase))];
  };

  const unmute: Command = ({ chat, args }) => {
    if (!args) return [reply(R.muteList(personal.mutes(chat.id)))];
    const parsed = mutePhrase(args);
    if ("error" in parsed) return [reply(parsed.error)];
    if (!personal.unmute(chat.id, parsed.phrase)) return [reply(R.notMuted(parsed.phrase))];
    return [reply(R.unmuted(parsed.phrase))];
  };

  const setminscore: Command = ({ chat, args }) => {
    const text = args.toLowerCase();
    if (["off", "0", "关", "取消"].includes(text)) {
      personal.setMinScore(chat.id, null);
      return [reply(R.minScoreOff)];
    }
    if (!/^[1-5]$/.test(text)) return [reply(R.minScoreUsage)];
    const n = Number(text);
    personal.setMinScore(chat.id, n);
    return [reply(R.minScoreSet(n))];
  };

  const mention: Command = (ctx) => {
    const { chat, args, incoming } = ctx;
    if (chat.type !== "group") return [reply(R.mentionOnlyInGroups)];
    const word = args.toLowerCase();
    if (word !== "on" && word !== "off") return [reply(R.mentionUsage)];
    touch(ctx);
    members.setMention(chat.id, incoming.userId, word === "on");
    return [reply(R.memberMention(word === "on"))];
  };

  // --- a member's own subscriptions in a group ---

  const subscribeMe: Command = (ctx) => {
    const { chat, incoming } = ctx;
    const { rest } = splitMe(ctx.args);
    if (!rest) return [reply(R.memberListEmpty)];
    const r = resolveItem(rest);
    if (!r.ok) return [reply(r.error)];
    touch(ctx);
    const { kind, value, label: shown } = r.target;
    if (members.list(chat.id, incoming.userId).some((s) => s.kind === kind && s.value === value)) {
      return [reply(R.memberAlready(shown))];
    }
    if (!members.add(chat.id, incoming.userId, kind, value, MAX_MEMBER_SUBSCRIPTIONS)) {
      return [reply(R.memberFull(MAX_MEMBER_SUBSCRIPTIONS))];
    }
    return [reply(R.memberSubscribed(shown))];
  };

  const followMe: Command = (ctx) => {
    const { chat, incoming } = ctx;
    const { rest } = splitMe(ctx.args);
    if (!rest) return [reply(R.followUsage)];
    const value = parseFollowInput(rest);
    if (!value) return [reply(R.followBadName, R.followUsage)];
    touch(ctx);
    if (
      members.list(chat.id, incoming.userId).some((s) => s.kind === "author" && s.value === value)
    ) {
      return [reply(R.alreadyFollowed(value))];
    }
    if (!members.add(chat.id, incoming.userId, "author", value, MAX_MEMBER_SUBSCRIPTIONS)) {
      return [reply(R.memberFull(MAX_MEMBER_SUBSCRIPTIONS))];
    }
    return [reply(...followReply(value, true))];
  };

  const unsubscribeMe: Command = (ctx) => {
    const { chat, incoming } = ctx;
    const { rest } = splitMe(ctx.args);
    const own = members.list(chat.id, incoming.userId);
    const byIndex = /^\d{1,2}$/.test(rest) ? own[Number(rest) - 1] : undefined;
    const r = byIndex ? null : resolveItem(rest);
    const author = parseFollowInput(rest);
    const found =
      byIndex ??
      own.find((s) => r?.ok && s.kind === r.target.kind && s.value === r.target.value) ??
      own.find((s) => s.kind === "author" && s.value === author);
    if (!found) return [reply(R.memberNotSubscribed(echo(rest)))];
    members.remove(chat.id, incoming.userId, found.kind, found.value);
    return [reply(R.memberUnsubscribed(label(found.kind, found.value)))];
  };

  const listMe: Command = ({ chat, incoming }) => {
    const own = members.list(chat.id, incoming.userId);
    const member = members.get(chat.id, incoming.userId);
    const lines = own.length
      ? own.map((s, i) => [span(`${i + 1}. ${KIND_LABEL[s.kind]} `), bold(label(s.kind, s.value))])
      : [[span(R.memberListEmpty)]];
    return [
      {
        blocks: [
          { kind: "heading", title: [bold(R.memberListTitle)], lines },
          { kind: "text", lines: [[span(R.memberMention(member?.mention ?? true))]] },
        ],
      },
    ];
  };

  return {
    follow,
    unfollow,
    mute,
    unmute,
    setminscore,
    mention,
    "subscribe me": subscribeMe,
    "follow me": followMe,
    "unsubscribe me": unsubscribeMe,
    "unfollow me": unsubscribeMe,
    "list me": listMe,
  };
}
