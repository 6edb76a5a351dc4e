/**
 * Discord interactions (the raw JSON of an INTERACTION_CREATE) as sudi sees them: which chat,
 * which user, whether that user may manage the chat, and the command text the platform-neutral
 * handler reads ("/subscribe 文生视频"). Plain functions over the payload, validated with zod,
 * so tests feed exactly what Discord sends.
 */
import {
  ApplicationCommandType,
  ChannelType,
  InteractionType,
  PermissionFlagsBits,
} from "discord.js";
import { z } from "zod";
import type { ButtonPress, Incoming } from "../../src/commands/types.ts";
import type { ChatAddress } from "../../src/core/address.ts";
import { COMMAND_BUTTON_PREFIX } from "./render.ts";

/** Permission bits that let a member manage what a channel receives. */
const ADMINISTRATOR = PermissionFlagsBits.Administrator;
const MANAGE_CHANNELS = PermissionFlagsBits.ManageChannels;
const MANAGE_GUILD = PermissionFlagsBits.ManageGuild;
/** Permission bits the bot needs to post a digest in a channel. */
const VIEW_CHANNEL = PermissionFlagsBits.ViewChannel;
const SEND_MESSAGES = PermissionFlagsBits.SendMessages;
const EMBED_LINKS = PermissionFlagsBits.EmbedLinks;
const SEND_MESSAGES_IN_THREADS = PermissionFlagsBits.SendMessagesInThreads;
/** Channel types of threads (announcement, public, private). */
const THREAD_TYPES = new Set<number>([
  ChannelType.AnnouncementThread,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
]);

const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  global_name: z.string().nullish(),
});

interface OptionData {
  name: string;
  type: number;
  value?: string | number | boolean | undefined;
  focused?: boolean | undefined;
  options?: OptionData[] | undefined;
}
const OptionSchema: z.ZodType<OptionData> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.number().int(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    focused: z.boolean().optional(),
    options: z.array(OptionSchema).optional(),
  }),
);

export const InteractionSchema = z.object({
  id: z.string(),
  application_id: z.string(),
  type: z.number().int(),
  token: z.string(),
  guild_id: z.string().optional(),
  /** the bot's own permissions in this channel */
  app_permissions: z.string().regex(/^\d+$/).optional(),
  channel_id: z.string().optional(),
  channel: z
    .object({ id: z.string(), type: z.number().int(), name: z.string().nullish() })
    .optional(),
  member: z.object({ permissions: z.string().regex(/^\d+$/), user: UserSchema }).optional(),
  user: UserSchema.optional(),
  /** on a button press: the message the button is on, with its components */
  message: z
    .object({
      id: z.string(),
      components: z
        .array(
          z.object({
            type: z.number().int(),
            components: z
              .array(
                z
                  .object({
                    type: z.number().int(),
                    custom_id: z.string().optional(),
                    label: z.string().optional(),
                  })
                  .passthrough(),
              )
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  data: z
    .object({
      name: z.string().optional(),
      type: z.number().int().optional(),
      options: z.array(OptionSchema).optional(),
      custom_id: z.string().optional(),
      component_type: z.number().int().optional(),
    })
    .optional(),
});
export type DiscordInteraction = z.infer<typeof InteractionSchema>;

/** The interaction, or undefined when the payload is not one sudi can read. */
export function parseInteraction(raw: unknown): DiscordInteraction | undefined {
  const parsed = InteractionSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

const inGuild = (i: DiscordInteraction): boolean => Boolean(i.guild_id && i.member);

/** The user who acted: `member.user` in a guild, `user` in a DM. */
export function userIdOf(i: DiscordInteraction): string {
  return i.member?.user.id ?? i.user?.id ?? "";
}

/**
 * Where the answer and the subscriptions belong: a guild channel (threads included) is a group
 * chat keyed by the channel id; anything else is the user's private chat, keyed by the user id,
 * since a bot reaches a user through the DM channel it opens for that id.
 */
export function chatOf(i: DiscordInteraction): ChatAddress {
  if (inGuild(i) && i.channel_id) {
    const name = i.channel?.name;
    return {
      platform: "discord",
      chatId: i.channel_id,
      type: "group",
      ...(name ? { title: `#${name}` } : {}),
    };
  }
  const user = i.user ?? i.member?.user;
  const title = user?.global_name ?? user?.username;
  return { platform: "discord", chatId: userIdOf(i), type: "private", ...(title ? { title } : {}) };
}

/**
 * Whether the user may change what this chat receives: anyone in their own DM; in a guild, a
 * member whose permissions in this channel (as Discord computed them for this interaction)
 * include Manage Server, Manage Channels or Administrator. Checked on every command, whatever
 * default_member_permissions a server admin configured.
 */
export function isAdminOf(i: DiscordInteraction): boolean {
  if (!inGuild(i)) return true;
  const permissions = BigInt(i.member?.permissions ?? "0");
  return (permissions & (ADMINISTRATOR | MANAGE_GUILD | MANAGE_CHANNELS)) !== 0n;
}

/**
 * Whether the bot may not post digests in this guild channel (it lacks View Channel, Send
 * Messages, or Embed Links), so a subscription there would deliver nothing. Interactions are
 * answered whatever the channel's permissions, so this is the moment to say so.
 */
export function cannotPostHere(i: DiscordInteraction): boolean {
  if (!inGuild(i) || i.app_permissions === undefined) return false;
  const has = BigInt(i.app_permissions);
  const send = THREAD_TYPES.has(i.channel?.type ?? -1) ? SEND_MESSAGES_IN_THREADS : SEND_MESSAGES;
  const needed = VIEW_CHANNEL | send | EMBED_LINKS;
  return (has & needed) !== needed && (has & ADMINISTRATOR) === 0n;
}

function optionValues(options: OptionData[] | undefined): string[] {
  const out: string[] = [];
  for (const o of options ?? []) {
    if (o.options) out.push(o.name, ...optionValues(o.options));
    else if (o.value !== undefined) out.push(String(o.value).replace(/\s+/g, " ").trim());
  }
  return out.filter(Boolean);
}

/**
 * The command as the user would have typed it: "/subscribe 文生视频" for a slash command with
 * its option values in order, the button's command for a sudi button; undefined otherwise.
 */
export function commandTextOf(i: DiscordInteraction): string | undefined {
  if (
    i.type === InteractionType.ApplicationCommand &&
    i.data?.name &&
    (i.data.type ?? ApplicationCommandType.ChatInput) === ApplicationCommandType.ChatInput
  ) {
    return [`/${i.data.name}`, ...optionValues(i.data.options)].join(" ");
  }
  if (
    i.type === InteractionType.MessageComponent &&
    i.data?.custom_id?.startsWith(COMMAND_BUTTON_PREFIX)
  ) {
    return i.data.custom_id.slice(COMMAND_BUTTON_PREFIX.length);
  }
  return undefined;
}

/** Whether a component interaction is a press sudi handles in place (a vote, ⭐, 深读). */
export function isPress(i: DiscordInteraction): boolean {
  return (
    i.type === InteractionType.MessageComponent &&
    Boolean(i.data?.custom_id) &&
    !i.data?.custom_id?.startsWith(COMMAND_BUTTON_PREFIX)
  );
}

/** The press as the platform-neutral handler reads it (without relabel, which answer.ts adds). */
export function toPress(i: DiscordInteraction): Omit<ButtonPress, "relabel"> | undefined {
  const data = i.data?.custom_id;
  if (!isPress(i) || !data || !i.message) return undefined;
  const admin = isAdminOf(i);
  const user = i.member?.user ?? i.user;
  const name = user?.global_name ?? user?.username;
  return {
    chat: chatOf(i),
    userId: userIdOf(i),
    ...(name ? { userName: name } : {}),
    data,
    message: {
      id: i.message.id,
      buttons: (i.message.components ?? []).flatMap((row) =>
        (row.components ?? []).flatMap((c) => (c.custom_id ? [c.custom_id] : [])),
      ),
    },
    isAdmin: async () => admin,
  };
}

/** The command name of a command text ("/paper 2404.14469" → "paper"). */
export function commandNameOf(text: string): string {
  return /^\/([a-z_]+)/i.exec(text)?.[1]?.toLowerCase() ?? "";
}

/** The option being typed in an autocomplete interaction. */
export function focusedOptionOf(
  i: DiscordInteraction,
): { command: string; option: string; value: string } | undefined {
  if (i.type !== InteractionType.ApplicationCommandAutocomplete) return undefined;
  const find = (options: OptionData[] | undefined): OptionData | undefined => {
    for (const o of options ?? []) {
      if (o.focused) return o;
      const inner = find(o.options);
      if (inner) return inner;
    }
    return undefined;
  };
  const focused = find(i.data?.options);
  if (!focused) return undefined;
  return { command: i.data?.name ?? "", option: focused.name, value: String(focused.value ?? "") };
}

/** The Incoming the command handler reads, or undefined for interactions that are not commands. */
export function toIncoming(i: DiscordInteraction, onWorking?: () => void): Incoming | undefined {
  const text = commandTextOf(i);
  if (text === undefined) return undefined;
  const admin = isAdminOf(i);
  const user = i.member?.user ?? i.user;
  const name = user?.global_name ?? user?.username;
  return {
    chat: chatOf(i),
    userId: userIdOf(i),
    ...(name ? { userName: name } : {}),
    text,
    isAdmin: async () => admin,
    ...(onWorking ? { onWorking } : {}),
  };
}
