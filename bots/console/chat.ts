/**
 * The console chat: sudi on a terminal, no platform token needed. Each line of input is one
 * message from an admin of a group (platform "console", one fixed chat); replies print as
 * plain text. It reads until end of input, so it can be scripted:
 *   printf '/subscribe 文生视频\n/list\n' | npm start
 */
import { createInterface } from "node:readline";
import type { ChatBot } from "../../src/commands/handler.ts";
import type { ChatAddress } from "../../src/core/address.ts";
import { toPlainText } from "../../src/digest/render/text.ts";
import type { PromptScreen } from "./screen.ts";

/** The one chat the console stands for. */
export const CONSOLE_CHAT: ChatAddress = {
  platform: "console",
  chatId: "console",
  type: "group",
  title: "控制台",
};

/** The console user, an admin of the console group. */
export const CONSOLE_USER = "console-user";

const PROMPT = "sudi> ";

export interface ConsoleChatOptions {
  bot: ChatBot;
  input: NodeJS.ReadableStream;
  /** prints one chunk of output (a reply), newline added when missing */
  write: (text: string) => void;
  /** a person at a terminal: greet and show a prompt; otherwise echo each command */
  interactive: boolean;
  /** stops reading (shutdown on a signal); the command being answered still finishes */
  signal?: AbortSignal;
  /** interactive only: the terminal whose prompt log lines go above */
  screen?: PromptScreen;
  /** interactive only: one line after the greeting, e.g. where the full log is */
  notice?: string;
}

/** Runs the console chat until end of input. Commands are answered one at a time, in order. */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { bot, input, write, interactive } = options;
  // A person at a terminal gets readline's own line editing, so a log line can be printed
  // above the prompt and the half-typed command redrawn under it.
  const rl = interactive
    ? createInterface({ input, output: process.stdout, terminal: true, prompt: PROMPT })
    : createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  options.signal?.addEventListener("abort", () => rl.close(), { once: true });
  const prompt = () => {
    if (!interactive) return;
    if (options.screen) options.screen.prompt();
    else rl.prompt();
  };
  if (interactive) {
    write(toPlainText(bot.onBotAdded(CONSOLE_CHAT)));
    if (options.notice) write(options.notice);
    options.screen?.attach(rl);
  }
  prompt();
  for await (const raw of rl) {
    const text = raw.trim();
    if (!text) {
      prompt();
      continue;
    }
    if (!interactive) write(`> ${text}`);
    const replies = await bot.handle({
      chat: CONSOLE_CHAT,
      userId: CONSOLE_USER,
      text,
      isAdmin: async () => true,
      onWorking: () => {
        if (interactive) write("…");
      },
    });
    for (const reply of replies) {
      write(`${toPlainText(reply)}\n\n`);
      // An export prints its file, so a scripted session can redirect it.
      for (const file of reply.attachments ?? []) {
        const text = file.mime.startsWith("text/") || file.mime === "application/x-bibtex";
        const body = text ? Buffer.from(file.data, "base64").toString("utf8") : "";
        write(`📎 ${file.filename}\n${body}\n`);
      }
    }
    prompt();
  }
}
