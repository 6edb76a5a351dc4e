/**
 * The one polling helper of the tests: waits until `check` holds, for state a test cannot be
 * told about (a row in the database, a counter in a fake server). Fails with `what` after
 * `timeoutMs` of real time, so a broken test ends with a message instead of hanging.
 */
export async function waitUntil(
  check: () => boolean,
  {
    timeoutMs = 5000,
    what = "condition",
  }: { timeoutMs?: number; what?: string | (() => string) } = {},
): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets every pending promise chain run to its next real wait (a few turns of the event loop). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
