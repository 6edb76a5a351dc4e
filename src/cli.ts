/**
 * `sudi <command>`: the dispatch table and global help. Each command lives in src/cli/<name>.ts
 * and is loaded only when used, so `sudi topics` never opens a network client.
 */
import { type CliCommand, type CliIo, defaultIo, UsageError } from "./cli/command.ts";
import { ConfigError } from "./config.ts";
import { redact } from "./log.ts";

/**
 * Each command: its one-line summary, which `sudi --help` lists without loading any command
 * (so the help starts as fast as the smallest command), and its module.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  start: {
    summary: "run the bot (chat platforms, scheduler); console chat when no token is set",
    load: async () => (await import("./cli/start.ts")).command,
  },
  ingest: {
    summary: "pull the latest (or a given, or a range of) arXiv announcement into the store",
    load: async () => (await import("./cli/ingest.ts")).command,
  },
  summarise: {
    summary: "write Chinese cards for papers that lack one, with a progress bar",
    load: async () => (await import("./cli/summarise.ts")).command,
  },
  paper: {
    summary: "print one paper's Chinese card, fetching and summarising it on demand",
    load: async () => (await import("./cli/paper.ts")).command,
  },
  ask: {
    summary: "ask one paper a question, answered in Chinese from its full text",
    load: async () => (await import("./cli/ask.ts")).command,
  },
  digest: {
    summary: "print the digest of an announcement day for some topics",
    load: async () => (await import("./cli/digest.ts")).command,
  },
  report: {
    summary: "print a 周报 or 月报 (--week 2024-W17 | --month 2024-04), with a chart",
    load: async () => (await import("./cli/report.ts")).command,
  },
  topics: {
    summary: "list the topic taxonomy, grouped by digest chapter",
    load: async () => (await import("./cli/topics.ts")).command,
  },
  "run-once": {
    summary: "ingest, summarise and deliver once, then exit (for cron or CI)",
    load: async () => (await import("./cli/run-once.ts")).command,
  },
  health: {
    summary: "exit 0 when the running bot's scheduler is alive (container HEALTHCHECK)",
    load: async () => (await import("./cli/health.ts")).command,
  },
  demo: {
    summary: "the whole pipeline on bundled sample data, offline, printed to the terminal",
    load: async () => (await import("./cli/demo.ts")).command,
  },
  doctor: {
    summary: "check the LLM provider and the bot tokens, naming what is wrong",
    load: async () => (await import("./cli/doctor.ts")).command,
  },
  serve: {
    summary: "serve the web archive and Atom feeds alone (SUDI_WEB_PORT)",
    load: async () => (await import("./cli/serve.ts")).command,
  },
  chats: {
    summary: "add, list and remove chats without incoming commands (Feishu groups, email readers)",
    load: async () => (await import("./cli/chats.ts")).command,
  },
  db: {
    summary: "store sizes (db stats); one-time conversion of an old file (db vacuum)",
    load: async () => (await import("./cli/db.ts")).command,
  },
  backup: {
    summary: "an online copy of the database (safe while sudi runs)",
    load: async () => (await import("./cli/backup.ts")).command,
  },
};

async function globalHelp(): Promise<string> {
  const lines = [
    "sudi (论文速递): daily arXiv digests in Chinese",
    "",
    "Usage: sudi <command> [options]",
    "",
  ];
  for (const [name, { summary }] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${summary}`);
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
  const load = COMMANDS[name]?.load;
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
