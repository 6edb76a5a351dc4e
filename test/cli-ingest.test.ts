import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { main } from "../src/cli.ts";
import { openDatabase } from "../src/store/db.ts";
import {
  arxivFixture,
  type FakeArxiv,
  FEED_RSS_2024_04_24,
  startFakeArxiv,
  truncateXml,
} from "./fakes/arxiv.ts";

let arxiv: FakeArxiv;
let dir: string;
beforeEach(async () => {
  arxiv = await startFakeArxiv();
  dir = mkdtempSync(join(tmpdir(), "sudi-cli-ingest-"));
});
afterEach(async () => {
  await arxiv.close();
});

function sudi(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      SUDI_DB_PATH: join(dir, "sudi.db"),
      SUDI_CATEGORIES: "cs.CL,cs.CV,cs.LG",
      ARXIV_API_URL: arxiv.apiUrl,
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "50",
      LOG_LEVEL: "silent",
    },
    stdin: Readable.from([]),
    isTty: false,
  };
  return main(["ingest", ...args], io).then((code) => ({
    code,
    out: out.join("\n"),
    err: err.join("\n"),
  }));
}

function paperCount(): number {
  const db = openDatabase(join(dir, "sudi.db"));
  try {
    return db.prepare("SELECT count(*) FROM papers").pluck().get() as number;
  } finally {
    db.close();
  }
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("sudi ingest", () => {
  it("--help documents the options and exit codes", async () => {
    const { code, out } = await sudi("--help");
    expect(code).toBe(0);
    expect(out).toContain("--date YYYY-MM-DD");
    expect(out).toContain("--file");
    expect(out).toContain("75");
  });

  it("ingests the latest announcement with a one-line summary, then reports it done", async () => {
    const first = await sudi();
    expect(first).toMatchObject({ code: 0, err: "" });
    expect(first.out).toBe(
      "ingested 2024-04-24 from feed (cs.CL+cs.CV+cs.LG): 41 new, 4 cross, 1 replaced; 45 papers stored or updated",
    );
    expect(arxiv.requests[0]?.path).toBe("/rss/cs.CL+cs.CV+cs.LG");
    const second = await sudi();
    expect(second.code).toBe(0);
    expect(second.out).toBe(
      "2024-04-24 was already ingested (41 new, 4 cross, 1 replaced); nothing changed",
    );
    expect(paperCount()).toBe(45);
  });

  it("--file reads a feed without the network", async () => {
    const { code, out } = await sudi("--file", file("feed.xml", arxivFixture(FEED_RSS_2024_04_24)));
    expect(code).toBe(0);
    expect(out).toMatch(/^ingested 2024-04-24 from file/);
    expect(arxiv.requests).toEqual([]);
  });

  it("--file reports the file's own categories, not the configured ones", async () => {
    const feed = arxivFixture(FEED_RSS_2024_04_24).replaceAll("cs.CL+cs.CV+cs.LG", "cs.CV+cs.RO");
    const { code, out } = await sudi("--file", file("feed.xml", feed));
    expect(code).toBe(0);
    expect(out).toMatch(/^ingested 2024-04-24 from file \(cs\.CV\+cs\.RO\): /);
  });

  it("--file with an API response takes its day from --date", async () => {
    const path = file("api.xml", arxivFixture("api-2024-04-25.xml"));
    const without = await sudi("--file", path);
    expect(without.code).toBe(2);
    expect(without.err).toContain("pass --date YYYY-MM-DD");
    const { code, out } = await sudi("--file", path, "--date", "2024-04-25");
    expect(code).toBe(0);
    expect(out).toMatch(/^ingested 2024-04-25 from file .*: 2 new, 2 cross/);
  });

  it("--date back-fills a day from the API search", async () => {
    const { code, out } = await sudi("--date", "2024-04-24");
    expect(code).toBe(0);
    expect(out).toMatch(/^ingested 2024-04-24 from api .*: 2 new, 0 cross/);
    expect(arxiv.requests.every((r) => r.endpoint === "api")).toBe(true);
  });

  it.each([
    [["--date", "24/04/2024"], "--date must be YYYY-MM-DD"],
    [["--date", "2024-04-27"], "only Monday to Friday"],
    [["--date", "2024-02-30"], "expected a real date"],
    [["--file", "/nonexistent/feed.xml"], "no such file"],
    [["--bogus"], "Unknown option"],
    [["extra"], "positional"],
  ])("bad usage %j exits 2 with a clear message", async (args, message) => {
    const { code, err } = await sudi(...args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain("sudi ingest --help");
    expect(arxiv.requests).toEqual([]);
  });

  it("an empty feed exits 75 (try later) and writes nothing", async () => {
    arxiv.inject({ kind: "emptyFeed" });
    const { code, err } = await sudi();
    expect(code).toBe(75);
    expect(err).toContain("lists no papers");
    expect(err).toContain("Try again later");
    expect(paperCount()).toBe(0);
  });

  it("malformed XML exits 1 and writes nothing", async () => {
    const path = file("bad.xml", truncateXml(arxivFixture(FEED_RSS_2024_04_24)));
    const { code, err } = await sudi("--file", path);
    expect(code).toBe(1);
    expect(err).toMatch(/cannot read arXiv XML from .*bad\.xml.*; nothing was written/);
    expect(paperCount()).toBe(0);
  });

  it("arXiv failing after every retry exits 1 naming the status", async () => {
    arxiv.inject({ kind: "status", status: 503, retryAfter: "0" }, { times: 5 });
    const { code, err } = await sudi();
    expect(code).toBe(1);
    expect(err).toContain("arXiv answered HTTP 503");
    expect(arxiv.requests).toHaveLength(5);
  });
});
