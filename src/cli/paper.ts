/** `sudi paper`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "paper",
  summary: "(not built yet)",
  help: "sudi paper: not built yet",
  run: async (_args, io) => {
    io.err("sudi paper: not built yet");
    return 1;
  },
};
