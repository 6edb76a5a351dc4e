/**
 * What sudi keeps for a Feishu chat: its webhook URL and, when the bot has signature checking
 * on, the signing secret. Both are credentials: they live in the chat's endpoint row and never
 * in a chat id, a log line or an error message.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

export const FeishuSettingsSchema = z.object({
  webhook: z
    .url({
      protocol: /^https?$/,
      error: "expected the webhook URL Feishu shows (https://…/hook/…)",
    })
    .refine((u) => /\/open-apis\/bot\/v2\/hook\/[\w-]{8,}$/.test(new URL(u).pathname), {
      error: "expected a Feishu custom-bot webhook: https://open.feishu.cn/open-apis/bot/v2/hook/…",
    }),
  secret: z.string().min(8).max(128).optional(),
});
export type FeishuSettings = z.infer<typeof FeishuSettingsSchema>;

/** The chat id of a webhook: a hash, so it can be logged and shown without the credential. */
export function feishuChatId(webhook: string): string {
  return `hook-${createHash("sha256").update(webhook).digest("hex").slice(0, 16)}`;
}
