import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { main } from "../src/cli.ts";
import { CHAPTERS, loadTaxonomy } from "../src/topics/taxonomy.ts";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    stdin: new PassThrough(),
    isTty: false,
  };
  const code = await main(["topics", ...args], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("sudi topics", () => {
  it("lists every topic under its chapter, with id, aliases and an example", async () => {
    const { code, out } = await run();
    expect(code).toBe(0);
    for (const chapter of CHAPTERS) expect(out).toContain(`【${chapter}】`);
    expect(out).toContain("文生视频  (text-to-video)");
    expect(out).toContain("图生视频");
    expect(out).toContain("例：/subscribe 文生视频");
    const videoAt = out.indexOf("【文/图生视频】");
    expect(out.indexOf("文生视频  (text-to-video)")).toBeGreaterThan(videoAt);
  });

  it("prints one JSON object for scripts with --format json", async () => {
    const { code, out } = await run("--format", "json");
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed.version).toBe(1);
    expect(parsed.chapters.map((c: { chapter: string }) => c.chapter)).toEqual([...CHAPTERS]);
    const topics = parsed.chapters.flatMap((c: { topics: unknown[] }) => c.topics);
    expect(topics).toHaveLength(loadTaxonomy().topics.length);
    expect(topics[0]).toEqual(
      expect.objectContaining({
        id: "text-to-image",
        name: "文生图",
        example: "/subscribe 文生图",
        aliases: expect.arrayContaining(["T2I"]),
      }),
    );
    expect((await run("--format=json")).code).toBe(0);
  });

  it("prints its help with --help", async () => {
    const { code, out } = await run("--help");
    expect(code).toBe(0);
    expect(out).toContain("--format text|json");
  });

  it("refuses an unknown format or argument with exit code 2", async () => {
    const bad = await run("--format", "xml");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("text or json");
    expect((await run("--format")).code).toBe(2);
    expect((await run("extra")).code).toBe(2);
  });
});
