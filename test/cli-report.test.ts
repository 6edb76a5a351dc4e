import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.ts";
import { backfillDays, backfillLine } from "../src/cli/ingest.ts";
import { main } from "../src/cli.ts";
import { CardStore } from "../src/store/cards.ts";
import { openDatabase } from "../src/store/db.ts";
import { PaperStore } from "../src/store/papers.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { htmlProblems, paper, realCard } from "./helpers/reports.ts";

let dir: string;
let arxiv: FakeArxiv | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sudi-cli-report-"));
});
afterEach(async () => {
  await arxiv?.close();
  arxiv = undefined;
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
      ARXIV_API_URL: arxiv?.apiUrl ?? "http://127.0.0.1:9/api/query",
      ARXIV_RSS_URL: arxiv?.rssUrl ?? "http://127.0.0.1:9/rss",
      ARXIV_MIN_INTERVAL_MS: "10",
      HF_API_URL: "http://127.0.0.1:9/api",
      GITHUB_API_URL: "http://127.0.0.1:9",
      LOG_LEVEL: "silent",
    },
    stdin: Readable.from([]),
    isTty: false,
  };
  return main(args, io).then((code) => ({ code, out: out.join("\n"), err: err.join("\n") }));
}

/** 2024-W17 in the store: an agent and a video paper each day. */
function seedWeek() {
  const db = openDatabase(join(dir, "sudi.db"));
  const papers = new PaperStore(db);
  const cards = new CardStore(db);
  ["2024-04-22", "2024-04-23", "2024-04-24", "2024-04-25", "2024-04-26"].forEach((date, i) => {
    for (const [n, topic] of [
      ["1", "agent"],
      ["2", "text-to-video"],
    ] as const) {
      const p = paper(`2404.2${i}00${n}`, { authors: [{ name: "Xiaoyu Chen", affiliations: [] }] });
      papers.upsert(p, { date, type: "new" });
      cards.put(realCard(p, { topics: [topic], keywords: ["扩散模型"] }));
    }
    papers.recordIngestRun({
      announceDate: date,
      categories: ["cs.CV"],
      newCount: 2,
      crossCount: 0,
      replaceCount: 0,
      source: "file",
    });
  });
  db.close();
}

describe("sudi report", () => {
  it("checks its options", async () => {
    expect((await sudi("report")).code).toBe(2);
    expect((await sudi("report", "--week", "2024-W17", "--month", "2024-04")).code).toBe(2);
    expect((await sudi("report", "--week", "2024-04")).err).toContain("--week takes YYYY-Www");
    expect((await sudi("report", "--month", "2024-13")).code).toBe(2);
    expect((await sudi("report", "--week", "2024-W17", "--format", "pdf")).code).toBe(2);
    expect((await sudi("report", "--week", "2024-W17", "--chart", "x.svg")).code).toBe(2);
    expect((await sudi("report", "--help")).out).toContain("--chart FILE.png");
  });

  it("a period the store has not seen says so instead of an empty report", async () => {
    const r = await sudi("report", "--month", "2024-04", "--offline");
    expect(r.code).toBe(1);
    expect(r.err).toContain("还没有收录 2024年4月 的论文");
    expect(r.err).toContain("sudi ingest --from");
  });

  it("prints the 周报 as text, table, HTML and JSON, and writes the chart", async () => {
    seedWeek();
    const text = await sudi("report", "--week", "2024-W17", "--offline");
    expect(text.code).toBe(0);
    expect(text.out).toContain("📚 论文周报 · 2024年第17周（4月22日–4月26日）");
    expect(text.out).toContain("本期 arXiv 共 10 篇新论文。");
    expect(text.out).toContain("【Chen 等：");
    expect(text.out.indexOf("文/图生视频")).toBeLessThan(text.out.indexOf("智能体(Agent)（"));
    const topics = await sudi("report", "--week", "2024-W17", "--topics", "智能体", "--offline");
    expect(topics.out).toContain("其中 5 篇匹配订阅");
    const table = await sudi("report", "--week", "2024-W17", "--format", "table", "--offline");
    expect(table.out).toContain("| Ref | Title | Summary |");
    const chart = join(dir, "w17.png");
    const html = await sudi(
      "report",
      "--week",
      "2024-W17",
      "--format",
      "html",
      "--chart",
      chart,
      "--offline",
    );
    expect(html.code).toBe(0);
    expect(htmlProblems(html.out)).toEqual([]);
    expect(html.out).toContain('<img alt="周报 2024年第17周');
    expect(readFileSync(chart).subarray(1, 4).toString("latin1")).toBe("PNG");
    const json = JSON.parse(
      (await sudi("report", "--week", "2024-W17", "--format", "json", "--offline")).out,
    );
    expect(json).toMatchObject({ period: "2024-W17", kind: "week", seen: 10, unseen: false });
    expect(json.chapters.map((c: { chapter: string }) => c.chapter)[0]).toBe("文生图");
    expect(json.keywords[0]).toEqual({ word: "扩散模型", count: 10 });
  });
});

describe("sudi ingest --from --to", () => {
  it("lists the announcement days of a range, holidays and weekends left out", () => {
    expect(backfillDays("2024-12-20", "2024-12-27")).toEqual([
      "2024-12-20",
      "2024-12-23",
      "2024-12-24",
      "2024-12-26",
      "2024-12-27",
    ]);
    expect(backfillLine(2, 4, "2024-04-23: 3 new, 0 cross", 8)).toBe(
      "back-filling [████░░░░] 2/4 2024-04-23: 3 new, 0 cross",
    );
  });

  it("back-fills a range day by day through the API, with progress, and refuses bad ranges", async () => {
    arxiv = await startFakeArxiv();
    expect((await sudi("ingest", "--from", "2024-04-26")).err).toContain(
      "--from and --to go together",
    );
    expect((await sudi("ingest", "--from", "2024-04-26", "--to", "2024-04-22")).code).toBe(2);
    expect((await sudi("ingest", "--from", "2023-01-01", "--to", "2024-12-31")).code).toBe(2);
    const r = await sudi("ingest", "--from", "2024-04-23", "--to", "2024-04-25");
    expect(r.code).toBe(0);
    expect(r.err.split("\n")).toEqual([
      "back-filling [░░░░░░░░░░░░░░░░░░░░░░░░] 0/3 ",
      "back-filling [████████░░░░░░░░░░░░░░░░] 1/3 2024-04-23: 1 new, 1 cross",
      "back-filling [████████████████░░░░░░░░] 2/3 2024-04-24: 2 new, 0 cross",
      "back-filling [████████████████████████] 3/3 2024-04-25: 1 new, 0 cross",
    ]);
    expect(r.out).toBe(
      "back-filled 2024-04-23 to 2024-04-25: 3 of 3 announcement days, 5 papers stored or updated",
    );
    expect(existsSync(join(dir, "sudi.db"))).toBe(true);
    // a second run skips the days already ingested
    const again = await sudi("ingest", "--from", "2024-04-24", "--to", "2024-04-24");
    expect(again.err).toContain("1/1 2024-04-24: already ingested");
    expect(again.out).toContain("0 papers stored or updated");
  });
});
