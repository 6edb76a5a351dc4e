/**
 * SIGTERM and SIGINT for commands that own a daemon (`sudi run-once`): the first signal shuts
 * it down gracefully, a second one exits at once.
 */
import type { Logger } from "../log.ts";

/** Installs the handlers; returns a function that removes them. */
export function installSignalHandlers(
  daemon: { shutdown(): Promise<void> },
  log: Logger,
  proc: Pick<NodeJS.Process, "once" | "off" | "exit"> = process,
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    log.info("shutting down", { signal });
    proc.once(signal, () => proc.exit(130));
    daemon.shutdown().then(
      () => log.info("stopped", { signal }),
      (error) => {
        log.error("shutdown failed", { error });
        proc.exit(1);
      },
    );
  };
  proc.once("SIGTERM", handler);
  proc.once("SIGINT", handler);
  return () => {
    proc.off("SIGTERM", handler);
    proc.off("SIGINT", handler);
  };
}

/** Settles on the first SIGINT or SIGTERM; `dispose` removes the listeners. */
export function firstSignal(): { received: Promise<NodeJS.Signals>; dispose: () => void } {
  let on: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    on = resolve;
  });
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    received,
    dispose: () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
  };
}
