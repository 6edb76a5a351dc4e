/**
 * Feishu (飞书) group bots as an entry of bots/registry.ts. A custom-bot webhook has no
 * incoming commands, so groups are added with `sudi chats add feishu --name 组会 --webhook URL
 * [--secret S]`; the platform runs whenever such a chat is active. No variables of its own.
 */
import { defineConfig } from "../../src/config.ts";
import { EndpointOptionError, type PlatformAdapter } from "../platform.ts";
import { FeishuSender } from "./sender.ts";
import { FeishuSettingsSchema, feishuChatId } from "./settings.ts";

const sender = (app: Parameters<PlatformAdapter["sender"]>[0]) =>
  new FeishuSender({ endpoints: app.endpoints, log: app.log.child({ platform: "feishu" }) });

export const feishu: PlatformAdapter = {
  platform: "feishu",
  enabledBy: "sudi chats add feishu",
  config: defineConfig({ shape: {} }),
  options: {
    name: { type: "string", required: true, description: "the group's name, e.g. 组会" },
    webhook: {
      type: "string",
      required: true,
      secret: true,
      description: "the custom bot's webhook URL (a credential: never printed or logged)",
    },
    secret: {
      type: "string",
      secret: true,
      description: "the signing secret, when the bot has 签名校验 on",
    },
  },
  configured: () => false,
  chats: {
    summary: "a Feishu (飞书) group, through its custom-bot webhook",
    endpoint: (values) => {
      const name = typeof values.name === "string" ? values.name.trim() : "";
      if (!name || Array.from(name).length > 64) {
        throw new EndpointOptionError("name", "1 to 64 characters");
      }
      const parsed = FeishuSettingsSchema.safeParse({
        webhook: values.webhook,
        secret: values.secret,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new EndpointOptionError(
          String(issue?.path[0] ?? "webhook"),
          issue?.message ?? "invalid",
        );
      }
      return {
        address: {
          platform: "feishu",
          chatId: feishuChatId(parsed.data.webhook),
          type: "group",
          title: name,
        },
        settings: parsed.data,
      };
    },
    describe: (settings) => {
      const parsed = FeishuSettingsSchema.safeParse(settings);
      if (!parsed.success) return "webhook（设置无效）";
      return `webhook ${new URL(parsed.data.webhook).host}${parsed.data.secret ? "，签名校验" : ""}`;
    },
  },
  start: async (app) => ({ platform: "feishu", sender: sender(app), stop: async () => {} }),
  sender: async (app) => sender(app),
};
