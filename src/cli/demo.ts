/** `sudi demo`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "demo",
  summary: "(not built yet)",
  help: "sudi demo: not built yet",
  run: async (_args, io) => {
    io.err("sudi demo: not built yet");
    return 1;
  },
};
