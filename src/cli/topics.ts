/** `sudi topics`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "topics",
  summary: "(not built yet)",
  help: "sudi topics: not built yet",
  run: async (_args, io) => {
    io.err("sudi topics: not built yet");
    return 1;
  },
};
