/**
 * The console chat as an entry of bots/registry.ts: the fallback when no platform is
 * configured (`sudi start` without a token), and the sender that prints the console chat's
 * digests (`sudi run-once`). It has no variables and no token.
 */
import type { PlatformAdapter } from "../platform.ts";
import { runConsoleChat } from "./chat.ts";
import { ConsoleSender } from "./sender.ts";

export const consoleChat: PlatformAdapter = {
  platform: "console",
  enabledBy: "nothing (it runs when no other platform is configured)",
  config: { shape: {} },
  options: {},
  fallback: true,
  configured: () => true,
  start: async (app, io) => {
    const sender = new ConsoleSender((text) => io.out(text));
    const reading = new AbortController();
    const done = runConsoleChat({
      bot: app.bot,
      input: io.stdin,
      write: (text) => io.out(text),
      interactive: io.interactive,
      signal: reading.signal,
      ...(io.screen ? { screen: io.screen } : {}),
      ...(io.notice ? { notice: io.notice } : {}),
    });
    return {
      platform: "console",
      sender,
      done,
      stop: async () => {
        reading.abort();
        await done;
      },
    };
  },
  sender: async (_app, io) => new ConsoleSender((text) => io.out(text)),
};
