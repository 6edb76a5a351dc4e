/**
 * `sudi <command>`: the dispatch table and global help. Each command lives in src/cli/<name>.ts
 * and is loaded only when used, so `sudi topics` never opens a network client.
 */
import { type CliCommand, type CliIo, defaultIo, UsageError } from "./cli/command.ts";
import { ConfigError } from "./config.ts";
import { redact } from "./log.ts";

const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  start: async () => (await import("./cli/start.ts")).command,
  ingest: async () => (await import("./cli/ingest.ts")).command,
  summarise: async () => (await import("./cli/summarise.ts")).command,
  paper: async () => (await import("./cli/paper.ts")).command,
  ask: async () => (await import("./cli/ask.ts")).command,
  digest: async () => (await import("./cli/digest.ts")).command,
  report: async () => (await import("./cli/report.ts")).command,
  topics: async () => (await import("./cli/topics.ts")).command,
  "run-once": async () => (await import("./cli/run-once.ts")).command,
  health: async () => (await import("./cli/health.ts")).command,
  demo: async () => (await import("./cli/demo.ts")).command,
  doctor: async () => (await import("./cli/doctor.ts")).command,
  serve: async () => (await import("./cli/serve.ts")).command,
  chats: async () => (await import("./cli/chats.ts")).command,
};

async function globalHelp(): Promise<string> {
  const lines = [
    "sudi (论文速递): daily arXiv digests in Chinese",
    "",
    "Usage: sudi <command> [options]",
    "",
  ];
  for (const load of Object.values(COMMANDS)) {
    const c = await load();
    lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  }
  lines.push("", "Run `sudi <command> --help` for a command's options.");
  return lines.join("\n");
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(await globalHelp());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`sudi: unknown command "${name}"\n\n${await globalHelp()}`);
    return 2;
  }
  const command = await load();
  if (args.includes("--help") || args.includes("-h")) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`sudi ${name}: ${error.message}\nRun \`sudi ${name} --help\` for usage.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`sudi: ${error.message}`);
      return 78;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(redact(`sudi ${name}: ${message}`));
    return 1;
  }
}
