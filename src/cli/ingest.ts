/** `sudi ingest`: not built yet. */
import type { CliCommand } from "./command.ts";

export const command: CliCommand = {
  name: "ingest",
  summary: "(not built yet)",
  help: "sudi ingest: not built yet",
  run: async (_args, io) => {
    io.err("sudi ingest: not built yet");
    return 1;
  },
};
