/** `sudi run-once`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "run-once",
  summary: "(not built yet)",
  help: "sudi run-once: not built yet",
  run: async (_args, io) => {
    io.err("sudi run-once: not built yet");
    return 1;
  },
};
