/** `sudi summarise`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "summarise",
  summary: "(not built yet)",
  help: "sudi summarise: not built yet",
  run: async (_args, io) => {
    io.err("sudi summarise: not built yet");
    return 1;
  },
};
