/**
 * What one chat platform is to the rest of sudi: an entry of bots/registry.ts. Each platform
 * folder exports one PlatformAdapter; it declares its own variables (a config fragment), its
 * own CLI options, how to tell it is configured, how to check its token, how to run it and
 * how to deliver through it. Nothing outside its folder and the registry names a platform.
 */
import type { App } from "../src/app.ts";
import type { AnyConfigFragment, Config } from "../src/config.ts";
import type { ChatAddress } from "../src/core/address.ts";
import type { Sender } from "../src/deliver/sender.ts";
import type { Chat } from "../src/store/chats.ts";
import type { PromptScreen } from "./console/screen.ts";

/** What a platform may use of the terminal (the console chat prints there). */
export interface PlatformIo {
  out(text: string): void;
  stdin: NodeJS.ReadableStream;
  /** a person types at a terminal (not a pipe) */
  interactive: boolean;
  /** the interactive console's terminal: log lines go above its prompt */
  screen?: PromptScreen;
  /** one line the console prints after its greeting (where the full log is) */
  notice?: string;
}

/** A started platform: it answers commands and delivers through `sender` until stopped. */
export interface RunningPlatform {
  platform: string;
  sender: Sender;
  /** settles when the platform ends on its own (the console chat at end of input) */
  done?: Promise<void>;
  /** finishes what is in flight and stops */
  stop(): Promise<void>;
}

/** The answer of a token check (`sudi doctor`, `sudi start`). Never holds the token. */
export interface TokenCheck {
  platform: string;
  ok: boolean;
  /** the variable to fix when not ok */
  variable?: string;
  /** one line for the operator */
  message: string;
  /** what the platform would not accept, as opposed to a network problem */
  reason?: "invalid" | "unreachable";
}

/** One command-line option a platform accepts (for `sudi chats add <platform> ...`). */
export interface PlatformOption {
  type: "string" | "boolean";
  description: string;
  /** `sudi chats add` refuses to run without it */
  required?: boolean;
  /** a credential: never printed, never logged */
  secret?: boolean;
}

/** Thrown by a platform's `chats.endpoint` for a bad option; names the option, never its value. */
export class EndpointOptionError extends Error {
  constructor(
    readonly option: string,
    readonly expected: string,
  ) {
    super(`--${option}: ${expected}`);
    this.name = "EndpointOptionError";
  }
}

/**
 * A platform whose chats have no incoming commands (a Feishu webhook, an email address): the
 * operator adds them with `sudi chats add <platform>` and the platform's `options`. It runs
 * (delivers) whenever it has an active chat, whatever its variables say.
 */
export interface ManagedChats {
  /** one line for `sudi chats --help` */
  summary: string;
  /** validates the options (throws EndpointOptionError) and describes the chat to create */
  endpoint(
    values: Readonly<Record<string, string | boolean | undefined>>,
    config: Config,
  ): { address: ChatAddress; settings: unknown };
  /** after the chat is stored (an email's confirmation mail): lines for the operator */
  afterAdd?(chat: Chat, app: App): Promise<string[]>;
  /** a line for `sudi chats list`, without credentials */
  describe(settings: unknown): string;
}

export interface PlatformAdapter {
  /** the platform's name, stored with each chat */
  platform: string;
  /** what an operator sets to enable it, e.g. "TELEGRAM_BOT_TOKEN" (for messages) */
  enabledBy: string;
  /** its variables, validated with the core's at start-up */
  config: AnyConfigFragment;
  /** its command-line options, in node:util parseArgs form plus a description */
  options: Readonly<Record<string, PlatformOption>>;
  /** chats managed with `sudi chats` (no incoming commands) */
  chats?: ManagedChats;
  /** started only when no other platform is configured (the console chat) */
  fallback?: boolean;
  /** whether its variables are set */
  configured(config: Config): boolean;
  /** asks the platform whether the token is good; absent when there is no token */
  check?(config: Config, options?: { timeoutMs?: number }): Promise<TokenCheck>;
  /** runs it: commands in, replies and digests out */
  start(app: App, io: PlatformIo): Promise<RunningPlatform>;
  /** a sender for delivery alone (`sudi run-once`), receiving nothing */
  sender(app: App, io: PlatformIo): Promise<Sender>;
}
