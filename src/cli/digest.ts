/** `sudi digest`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "digest",
  summary: "(not built yet)",
  help: "sudi digest: not built yet",
  run: async (_args, io) => {
    io.err("sudi digest: not built yet");
    return 1;
  },
};
