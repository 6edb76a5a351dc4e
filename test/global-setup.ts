/**
 * Builds the CLI bundle once before the tests when it is missing or stale: the tests that start
 * `bin/sudi.js` as a child process then run what users run, and never build it concurrently.
 */
export default async function setup(): Promise<void> {
  // @ts-expect-error bin/build.js is plain JavaScript without type declarations
  const { build, isStale } = await import("../bin/build.js");
  if (isStale() && !(await build({ quiet: true }))) throw new Error("building dist/sudi failed");
}
