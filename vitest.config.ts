import { defineConfig } from "vitest/config";

/**
 * Two projects. `unit`: in-process tests on ManualClock or fake servers on 127.0.0.1, with no
 * child processes and no real sleeps; `npm run test:unit` keeps under 30 s. `e2e`: files named
 * `*.e2e.test.ts`, which spawn `sudi` (or a child to SIGKILL) or run the whole bot against the
 * fake platforms in real time. `npm test` runs both. Unit files share one module cache per
 * worker (isolate: false): most of their time was spent importing the same modules again, so
 * a unit test must not leave module state behind (reset it in afterEach, see llm.ts).
 */
export default defineConfig({
  test: {
    // builds the CLI bundle once when stale, for the tests that start bin/sudi.js
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Vitest's default is one worker per core minus one: a single worker on a 2-core machine,
    // where the tests that wait on fake servers' real-time limits then run back to back.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.e2e.test.ts"],
          isolate: false,
        },
      },
      {
        extends: true,
        // One file at a time: each spawns processes or runs a bot in real time, and the crash
        // test's 500-chat rounds must not share two cores with another such file.
        test: { name: "e2e", include: ["test/**/*.e2e.test.ts"], fileParallelism: false },
      },
    ],
  },
});
