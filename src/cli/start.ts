/** `sudi start`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "start",
  summary: "(not built yet)",
  help: "sudi start: not built yet",
  run: async (_args, io) => {
    io.err("sudi start: not built yet");
    return 1;
  },
};
