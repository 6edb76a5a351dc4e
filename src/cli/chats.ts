/**
 * `sudi chats`: chats without incoming commands (a Feishu group, an email address), managed by
 * the operator. `add <platform>` reads the options the platform declares (bots/registry.ts),
 * so this file never changes for a new platform; topics and the delivery time go through the
 * same /subscribe and /settime a chat admin would type, with the same checks and answers.
 */
import { EndpointOptionError, type PlatformAdapter } from "../../bots/platform.ts";
import { PLATFORMS } from "../../bots/registry.ts";
import { buildApp, loadAppConfig } from "../app.ts";
import type { ChatAddress } from "../core/address.ts";
import { CHATS } from "../core/texts/chats.ts";
import { toPlainText } from "../digest/render/text.ts";
import { subscriptionLabel } from "../topics/labels.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

/** Options every platform's `add` takes. */
const COMMON = {
  topics: { type: "string", description: "topics, comma separated, as /subscribe takes them" },
  time: { type: "string", description: "daily delivery time HH:MM (default SUDI_DIGEST_TIME)" },
  timezone: { type: "string", description: "IANA time zone (default SUDI_TIMEZONE)" },
} as const;

/** The platforms whose chats are managed here. */
const MANAGED = PLATFORMS.filter((p) => p.chats);

function platformOf(name: string | undefined): PlatformAdapter {
  const found = MANAGED.find((p) => p.platform === name);
  if (!found) {
    const known = MANAGED.map((p) => p.platform).join(", ");
    throw new UsageError(`sudi chats add <platform>: one of ${known}`);
  }
  return found;
}

function parse(args: string[], platform: PlatformAdapter) {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, o] of Object.entries({ ...COMMON, ...platform.options })) {
    options[name] = { type: o.type };
  }
  // parseArgs names the option in its errors, never a secret's value.
  return parseFlags(args, options).values;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "add" && action !== "list" && action !== "remove") {
    throw new UsageError("expected add, list or remove");
  }
  const config = loadAppConfig(io.env);
  const app = buildApp({ config });
  try {
    const services = app;
    const { endpoints } = app;
    if (action === "list") {
      const rows = endpoints.list();
      if (rows.length === 0) {
        io.out(CHATS.none);
        return 0;
      }
      io.out(CHATS.header);
      for (const row of rows) {
        const platform = MANAGED.find((p) => p.platform === row.platform);
        const state = !row.active
          ? CHATS.inactive(row.inactiveReason)
          : row.paused
            ? CHATS.paused
            : CHATS.active;
        const labels = services.subscriptions.list(row.chat).map((s) => subscriptionLabel(s));
        io.out(
          [
            `#${row.chat}`.padEnd(6),
            row.platform.padEnd(10),
            (row.title ?? "").padEnd(18),
            `${row.digestTime}（${row.timezone}）`.padEnd(20),
            `${state}；${CHATS.subscriptions(labels)}；${platform?.chats?.describe(row.settings) ?? ""}`,
          ].join(""),
        );
      }
      return 0;
    }
    if (action === "remove") {
      const id = rest[0] ?? "";
      const row = endpoints.list().find((r) => String(r.chat) === id.replace(/^#/, ""));
      if (!row) {
        io.err(CHATS.notFound(id));
        return 1;
      }
      endpoints.remove(row.chat);
      io.out(CHATS.removed(row.chat, row.title ?? ""));
      return 0;
    }
    const platform = platformOf(rest[0]);
    const values = parse(rest.slice(1), platform);
    for (const [name, o] of Object.entries(platform.options)) {
      if (o.required && values[name] === undefined) throw new UsageError(`--${name} is required`);
    }
    const managed = platform.chats;
    if (!managed) throw new UsageError(`${platform.platform} chats are not added here`);
    let created: ReturnType<typeof managed.endpoint>;
    try {
      created = managed.endpoint(values, config);
    } catch (error) {
      if (error instanceof EndpointOptionError) throw new UsageError(error.message);
      throw error;
    }
    const existed = services.chats.find(created.address.platform, created.address.chatId);
    const chat = services.chats.ensure(created.address);
    endpoints.set(chat.id, created.settings);
    if (!chat.active) endpoints.reactivate(chat.id);
    io.out(
      (existed ? CHATS.updated : CHATS.added)(chat.id, chat.title ?? "", created.address.platform),
    );
    // The operator acts as the chat's admin: the same commands, checks and answers.
    const say = async (text: string, address: ChatAddress) => {
      const replies = await services.bot.handle({
        chat: address,
        userId: "cli",
        text,
        isAdmin: async () => true,
      });
      for (const r of replies) io.out(toPlainText(r));
    };
    if (typeof values.topics === "string")
      await say(`/subscribe ${values.topics}`, created.address);
    if (managed.afterAdd) {
      for (const line of await managed.afterAdd(chat, app)) io.out(line);
    }
    if (typeof values.time === "string" || typeof values.timezone === "string") {
      const time = typeof values.time === "string" ? values.time : chat.digestTime;
      const zone = typeof values.timezone === "string" ? ` ${values.timezone}` : "";
      await say(`/settime ${time}${zone}`, created.address);
    }
    return 0;
  } finally {
    app.close();
  }
}

function help(): string {
  const lines = [
    "Usage:",
    "  sudi chats add <platform> [options] [--topics a,b] [--time HH:MM] [--timezone TZ]",
    "  sudi chats list",
    "  sudi chats remove <id>",
    "",
    "Chats without incoming commands, managed here. Topics and the time are checked as",
    "/subscribe and /settime check them in a chat. `list` shows each chat's state, and why",
    "a platform deactivated it (a revoked webhook, a wrong signing secret). Credentials",
    "(webhook URLs, secrets) are stored in the database and never printed.",
    "",
    "Options of every platform:",
    ...Object.entries(COMMON).map(([n, o]) => `  --${n.padEnd(10)} ${o.description}`),
  ];
  for (const p of MANAGED) {
    lines.push("", `${p.platform}: ${p.chats?.summary ?? ""}`);
    for (const [n, o] of Object.entries(p.options)) {
      lines.push(`  --${n.padEnd(10)} ${o.description}${o.required ? " (required)" : ""}`);
    }
  }
  lines.push(
    "",
    "Example:",
    "  sudi chats add feishu --name 组会 --webhook https://open.feishu.cn/open-apis/bot/v2/hook/… \\",
    "    --secret S --topics 文生视频,智能体 --time 09:00",
  );
  return lines.join("\n");
}

export const command: CliCommand = {
  name: "chats",
  help: help(),
  run,
};
