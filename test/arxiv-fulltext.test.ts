import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArxivClient } from "../src/arxiv/client.ts";
import { ArxivHttpError, ArxivNetworkError } from "../src/arxiv/errors.ts";
import { FullTextUnavailableError, fetchFullText } from "../src/arxiv/fulltext.ts";
import { htmlAffiliations, htmlSections } from "../src/arxiv/fulltext-html.ts";
import { headingOf, pdfPages, pdfSections } from "../src/arxiv/fulltext-pdf.ts";
import { chooseExcerpt, sectionKind } from "../src/summarise/excerpt.ts";
import { estimateTokens } from "../src/summarise/tokens.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { latexmlHtml, longPaper, paperPdf, SAMPLE_PAPER } from "./helpers/fulltext.ts";

describe("arXiv's HTML rendering", () => {
  const html = latexmlHtml(SAMPLE_PAPER);

  it("splits the document at its section headings, abstract first, without the bibliography", () => {
    const sections = htmlSections(html);
    expect(sections.map((s) => s.title)).toEqual([
      "Abstract",
      "Introduction",
      "Method",
      "Experiments",
      "Conclusion",
    ]);
    expect(sections[3]?.text).toContain("FID of 3.02");
    expect(sections.map((s) => s.text).join(" ")).not.toContain("99.9%");
  });

  it("drops scripts, styles and navigation, and keeps a formula's LaTeX source", () => {
    const withMath = html.replace(
      "It only fine-tunes",
      'With <math alttext="\\sigma" display="inline"><semantics><mi>σ</mi><annotation encoding="application/x-tex">\\sigma</annotation></semantics></math> it only fine-tunes',
    );
    const text = htmlSections(withMath)
      .map((s) => s.text)
      .join("\n");
    expect(text).not.toContain("tracking");
    expect(text).not.toContain("margin");
    expect(text).not.toContain("Table of contents");
    expect(text).toContain("With \\sigma it only fine-tunes");
  });

  it("reads affiliations from the author block", () => {
    expect(htmlAffiliations(html)).toEqual([
      "Huawei Noah's Ark Lab",
      "The University of Hong Kong",
    ]);
  });

  it("decodes entities, so markup written in the paper stays text", () => {
    const written = "Scores < 1 & a <b>bold</b> word";
    const tricky = latexmlHtml({
      ...SAMPLE_PAPER,
      sections: [
        ["Method", [written]],
        ["Conclusion", ["Done."]],
      ],
    });
    expect(htmlSections(tricky).find((s) => s.title === "Method")?.text).toBe(written);
    expect(
      htmlSections("<h2>A</h2><p>x &#215; 2 &#0; &#xD800;</p><h2>B</h2><p>y</p>")[0]?.text,
    ).toBe("x × 2");
  });
});

describe("a PDF's text", () => {
  it("recognises numbered and bare headings, not sentences", () => {
    expect(headingOf("3 Method")).toBe("Method");
    expect(headingOf("4.1 Experimental Setup")).toBe("Experimental Setup");
    expect(headingOf("ABSTRACT")).toBe("Abstract");
    expect(headingOf("Conclusion")).toBe("Conclusion");
    expect(headingOf("3 datasets were used in total, as shown.")).toBeNull();
    expect(headingOf("2 The")).toBeNull();
  });

  it("extracts sections and the title block from a PDF made from known text", async () => {
    const pages = await pdfPages(await paperPdf(SAMPLE_PAPER));
    const { sections, front } = pdfSections(pages);
    expect(sections.map((s) => s.title)).toEqual([
      "Abstract",
      "Introduction",
      "Method",
      "Experiments",
      "Conclusion",
    ]);
    expect(sections.find((s) => s.title === "Experiments")?.text).toContain("FID of 3.02");
    expect(front).toContain("Huawei Noah's Ark Lab");
  });
});

describe("fetching the full text", () => {
  let arxiv: FakeArxiv;
  let client: ArxivClient;
  beforeAll(async () => {
    arxiv = await startFakeArxiv();
    client = new ArxivClient({ apiUrl: arxiv.apiUrl, rssUrl: arxiv.rssUrl, minIntervalMs: 0 });
  });
  afterAll(() => arxiv.close());
  const urls = () => ({ htmlUrl: arxiv.htmlUrl, pdfUrl: arxiv.pdfUrl });

  it("prefers the HTML rendering and does not fetch the PDF then", async () => {
    arxiv.setDocument("html", "2304.06648v2", latexmlHtml(SAMPLE_PAPER));
    arxiv.setDocument("pdf", "2304.06648v2", await paperPdf(SAMPLE_PAPER));
    const before = arxiv.requests.length;
    const text = await fetchFullText(client, "2304.06648", 2, urls());
    expect(text.source).toBe("html");
    expect(text.affiliations).toContain("Huawei Noah's Ark Lab");
    expect(arxiv.requests.slice(before).map((r) => r.path)).toEqual(["/html/2304.06648v2"]);
  });

  it("falls back to the PDF when arXiv has no HTML (404)", async () => {
    arxiv.setDocument("pdf", "2404.00001v1", await paperPdf(SAMPLE_PAPER));
    const text = await fetchFullText(client, "2404.00001", 1, urls());
    expect(text.source).toBe("pdf");
    expect(text.url).toBe(`${arxiv.pdfUrl}/2404.00001v1`);
    expect(text.sections.some((s) => s.text.includes("0.12% of the parameters"))).toBe(true);
  });

  it("says why there is no text when neither rendering exists", async () => {
    const error = await fetchFullText(client, "2404.99999", 1, urls()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FullTextUnavailableError);
    expect((error as FullTextUnavailableError).reasons).toEqual(["HTML HTTP 404", "PDF HTTP 404"]);
  });

  it("refuses a document over the size cap without reading it all", async () => {
    arxiv.setDocument("pdf", "2404.00002v1", new Uint8Array(200_000));
    const error = await fetchFullText(client, "2404.00002", 1, urls(), {
      maxPdfBytes: 100_000,
    }).catch((e: unknown) => e);
    expect((error as FullTextUnavailableError).reasons[1]).toBe("PDF larger than 100000 bytes");
  });
});

describe("choosing the excerpt", () => {
  it("classifies section titles", () => {
    expect(sectionKind("Introduction")).toBe("introduction");
    expect(sectionKind("Proposed Approach")).toBe("method");
    expect(sectionKind("Experimental Results")).toBe("experiments");
    expect(sectionKind("References")).toBe("skip");
    expect(sectionKind("Appendix A: Proofs")).toBe("skip");
    expect(sectionKind("Conclusion and Future Work")).toBe("conclusion");
  });

  it("cuts a 60-page paper to the cap, keeping every main section and no references", async () => {
    const paper = longPaper(60);
    const { sections } = pdfSections(await pdfPages(await paperPdf(paper), 80));
    const whole = sections.reduce((n, s) => n + estimateTokens(s.text), 0);
    expect(whole).toBeGreaterThan(20_000);
    const excerpt = chooseExcerpt(sections, 10_000);
    expect(excerpt.tokens).toBeLessThanOrEqual(10_000);
    expect(excerpt.tokens).toBeGreaterThan(9_000);
    for (const title of ["Abstract", "Introduction", "Method", "Experiments", "Conclusion"]) {
      expect(excerpt.text).toContain(`## ${title}`);
    }
    expect(excerpt.cut).toContain("Method");
    // the method and experiments get the largest shares
    const share = (title: string) =>
      excerpt.text.split(`## ${title}`)[1]?.split("\n## ")[0]?.length ?? 0;
    expect(share("Method")).toBeGreaterThan(share("Related Work"));
    expect(share("Experiments")).toBeGreaterThan(share("Conclusion"));
  });

  it("keeps a short paper whole", () => {
    const excerpt = chooseExcerpt(htmlSections(latexmlHtml(SAMPLE_PAPER)), 12_000);
    expect(excerpt.cut).toEqual([]);
    expect(excerpt.omitted).toEqual([]);
    expect(excerpt.included).toEqual([
      "Abstract",
      "Introduction",
      "Method",
      "Experiments",
      "Conclusion",
    ]);
  });
});

/** A port on 127.0.0.1 that nothing listens on: connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a person waiting for arXiv", () => {
  it("hears at once when the network is unreachable, without backing off", async () => {
    const sleeps: number[] = [];
    const client = new ArxivClient({
      apiUrl: `http://127.0.0.1:${await closedPort()}/api/query`,
      rssUrl: "http://127.0.0.1:1/rss",
      minIntervalMs: 0,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const error = await client
      .fetchByIds(["2404.14469"], { waitMs: 5000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArxivNetworkError);
    expect((error as ArxivNetworkError).unreachable).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it("gives up rather than wait out a Retry-After longer than the person's patience", async () => {
    const arxiv = await startFakeArxiv();
    try {
      const sleeps: number[] = [];
      const client = new ArxivClient({
        apiUrl: arxiv.apiUrl,
        rssUrl: arxiv.rssUrl,
        minIntervalMs: 0,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      arxiv.inject({ kind: "status", status: 503, retryAfter: "10" }, { times: 3 });
      const error = await client
        .fetchByIds(["2404.14469"], { waitMs: 5000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArxivHttpError);
      expect(sleeps).toEqual([]);
      expect(arxiv.requests.filter((r) => r.endpoint === "api")).toHaveLength(1);
    } finally {
      await arxiv.close();
    }
  });

  it("background jobs still back off on the same failure", async () => {
    const sleeps: number[] = [];
    const client = new ArxivClient({
      apiUrl: `http://127.0.0.1:${await closedPort()}/api/query`,
      rssUrl: "http://127.0.0.1:1/rss",
      minIntervalMs: 0,
      backoffMs: 1000,
      maxRetries: 2,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await expect(client.fetchByIds(["2404.14469"])).rejects.toBeInstanceOf(ArxivNetworkError);
    expect(sleeps).toEqual([1000, 2000]);
  });
});
