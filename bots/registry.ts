/**
 * Every chat platform sudi knows, one line each. Adding a platform is a folder under bots/
 * that exports a PlatformAdapter (bots/platform.ts) and one line here: its variables, CLI
 * options, token check, start and sender come with it, so src/config.ts and src/cli/ stay
 * untouched. The console chat is last: it runs only when no other platform is configured.
 */
import { consoleChat } from "./console/platform.ts";
import { discord } from "./discord/platform.ts";
import { email } from "./email/platform.ts";
import { feishu } from "./feishu/platform.ts";
import type { PlatformAdapter } from "./platform.ts";
import { telegram } from "./telegram/platform.ts";

export const PLATFORMS: readonly PlatformAdapter[] = [
  telegram,
  discord,
  feishu,
  email,
  consoleChat,
];
