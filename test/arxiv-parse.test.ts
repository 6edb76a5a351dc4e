import { describe, expect, it } from "vitest";
import { ArxivApiError, ArxivParseError } from "../src/arxiv/errors.ts";
import { parseApiResponse, parseArxivXml, parseFeed } from "../src/arxiv/parse.ts";
import { findCodeUrl } from "../src/arxiv/text.ts";
import {
  arxivFixture,
  emptyFeed,
  FEED_ATOM_2024_04_24,
  FEED_ATOM_2024_04_25,
  FEED_RSS_2024_04_24,
  truncateXml,
} from "./fakes/arxiv.ts";

describe("announcement feed (2024 format)", () => {
  const rss = parseFeed(arxivFixture(FEED_RSS_2024_04_24));
  const atom = parseFeed(arxivFixture(FEED_ATOM_2024_04_24));

  it("reads both flavours to the same papers, dated by the feed, with the categories it covers", () => {
    expect(rss.format).toBe("rss");
    expect(rss.categories).toEqual(["cs.CL", "cs.CV", "cs.LG"]);
    expect(atom.categories).toEqual(["cs.CL", "cs.CV", "cs.LG"]);
    expect(atom.format).toBe("atom");
    expect(rss.announceDate).toBe("2024-04-24");
    expect(atom.announceDate).toBe("2024-04-24");
    expect(rss.items).toHaveLength(46);
    expect(atom.items).toEqual(rss.items);
  });

  it("keeps announce types: new, cross (primary category elsewhere), replace", () => {
    const count = (t: string) => rss.items.filter((i) => i.announceType === t).length;
    expect([count("new"), count("cross"), count("replace")]).toEqual([41, 4, 1]);
    const cross = rss.items.find((i) => i.id === "2404.11584");
    expect(cross).toMatchObject({
      announceType: "cross",
      primaryCategory: "cs.AI",
      categories: ["cs.AI", "cs.CL"],
    });
    const replace = rss.items.find((i) => i.announceType === "replace");
    expect(replace).toMatchObject({ id: "2305.06161", version: 2 });
  });

  it("splits the description into the abstract, decodes entities, lists dc:creator authors", () => {
    const first = rss.items[0];
    expect(first).toMatchObject({
      id: "2404.01197",
      version: 1,
      title: "Getting it Right: Improving Spatial Consistency in Text-to-Image Models",
      primaryCategory: "cs.CV",
      announceDate: "2024-04-24",
      published: null,
      codeUrl: "https://spright-t2i.github.io/",
    });
    expect(first?.abstract).toMatch(/^One of the key shortcomings/);
    expect(first?.abstract).toContain("fine-tuning on <500 images");
    expect(first?.abstract).not.toContain("Announce Type");
    expect(first?.authors.slice(0, 2)).toEqual([
      { name: "Agneet Chatterjee", affiliations: [] },
      { name: "Gabriela Ben Melech Stan", affiliations: [] },
    ]);
  });

  it("collapses line breaks and decodes &amp; &lt; and numeric entities in titles; keeps LaTeX", () => {
    const feed = parseFeed(arxivFixture(FEED_ATOM_2024_04_25));
    const paper = feed.items[0];
    expect(paper?.title).toBe("Tokens & Trees: When Is a <unk> Token Enough for Parsing?");
    expect(paper?.abstract).toContain("$\\mathcal{O}(n^{2})$ with sentence length $n$");
    expect(paper?.abstract).toContain("$\\sigma < 1$. Café & Résumé tests");
    expect(paper?.codeUrl).toBe("https://github.com/example-lab/tokens-trees");
    expect(feed.items.map((i) => i.announceType)).toEqual([
      "new",
      "cross",
      "replace",
      "replace-cross",
    ]);
  });

  it("reads an empty feed (no items) with its date", () => {
    const feed = parseFeed(emptyFeed(arxivFixture(FEED_RSS_2024_04_24)));
    expect(feed).toEqual({
      format: "rss",
      announceDate: "2024-04-24",
      categories: ["cs.CL", "cs.CV", "cs.LG"],
      items: [],
    });
  });
});

describe("API response", () => {
  it("reads entries, opensearch counts, wrapped abstracts and LaTeX", () => {
    const page = parseApiResponse(arxivFixture("api-id_list.xml"));
    expect(page).toMatchObject({ totalResults: 20, startIndex: 0, itemsPerPage: 20 });
    expect(page.papers).toHaveLength(20);
    const p = page.papers[0];
    expect(p).toMatchObject({
      id: "2404.01197",
      version: 1,
      published: "2024-04-01T17:59:10Z",
      updated: "2024-04-01T17:59:10Z",
      primaryCategory: "cs.CV",
      announceDate: null,
      announceType: null,
    });
    expect(p?.abstract).not.toMatch(/\n| {2}/);
    const latex = page.papers.find((x) => x.abstract.includes("\\textbf{ID-Aligner}"));
    expect(latex?.abstract).toContain(
      "\\textbf{Project Page: \\url{https://idaligner.github.io/}}",
    );
    expect(latex?.codeUrl).toBe("https://idaligner.github.io/");
  });

  it("reads affiliations, comment, journal_ref, doi and old-style ids", () => {
    const page = parseApiResponse(arxivFixture("api-2024-04-25.xml"));
    const [tokens, survey, revised, old] = page.papers;
    expect(tokens).toMatchObject({
      id: "2404.16001",
      title: "Tokens & Trees: When Is a <unk> Token Enough for Parsing?",
      comment: "Accepted to ACL 2024; 9 pages, 3 figures",
      journalRef: "Proceedings of ACL 2024, pp. 1-9",
      doi: "10.18653/v1/2024.acl-long.1",
      categories: ["cs.CL", "cs.LG"],
      codeUrl: "https://github.com/example-lab/tokens-trees",
    });
    expect(tokens?.authors).toEqual([
      { name: "Ada Example", affiliations: ["Tsinghua University", "Shanghai AI Laboratory"] },
      { name: "Bo Sample", affiliations: [] },
    ]);
    expect(survey).toMatchObject({ primaryCategory: "cs.AI", categories: ["cs.AI", "cs.CL"] });
    expect(survey?.codeUrl).toBe("https://agents-read-arxiv.github.io/");
    expect(revised).toMatchObject({ id: "2404.01197", version: 2 });
    expect(old).toMatchObject({
      id: "hep-th/0101001",
      version: 2,
      title: "Branes & Strings at Finite Temperature",
      primaryCategory: "hep-th",
      categories: ["hep-th", "gr-qc"],
      doi: "10.1088/1126-6708/2001/02/001",
      journalRef: "JHEP 0102:001,2001",
      published: "2001-01-01T08:41:10Z",
    });
    expect(old?.authors[0]?.affiliations).toEqual(["Institute for Advanced Study, Princeton"]);
  });

  it("turns the error entry into ArxivApiError, not a paper", () => {
    expect(() => parseApiResponse(arxivFixture("api-error-bad-id.xml"))).toThrow(ArxivApiError);
    try {
      parseApiResponse(arxivFixture("api-error-bad-id.xml"));
    } catch (error) {
      expect(error).toMatchObject({
        detail: "incorrect id format for not-an-id",
        errorId: "http://arxiv.org/api/errors#incorrect_id_format_for_not-an-id",
      });
    }
  });
});

describe("malformed and unexpected XML", () => {
  it.each([
    ["truncated feed", truncateXml(arxivFixture(FEED_RSS_2024_04_24))],
    ["truncated API response", truncateXml(arxivFixture("api-id_list.xml"))],
    ["mismatched tags", "<feed><entry><title>a</titl></entry></feed>"],
    ["not XML", "Service Unavailable"],
    ["HTML page", "<html><body><h1>Oops</h1></body></html>"],
    ["empty body", ""],
  ])("%s → ArxivParseError", (_name, xml) => {
    expect(() => parseArxivXml(xml, "test.xml")).toThrow(ArxivParseError);
  });

  it("reports an entry that is not a paper as ArxivParseError naming it", () => {
    const xml = arxivFixture("api-id_list.xml").replace(
      "http://arxiv.org/abs/2404.03673v1</id>",
      "http://arxiv.org/abs/garbage</id>",
    );
    expect(() => parseApiResponse(xml)).toThrow(/entry 2: not an arXiv id/);
  });

  it("tells feeds and API responses apart", () => {
    expect(parseArxivXml(arxivFixture(FEED_ATOM_2024_04_24)).kind).toBe("feed");
    expect(parseArxivXml(arxivFixture("api-search-cs.CL.xml")).kind).toBe("api");
    expect(() => parseFeed(arxivFixture("api-id_list.xml"))).toThrow(ArxivParseError);
    expect(() => parseApiResponse(arxivFixture(FEED_RSS_2024_04_24))).toThrow(ArxivParseError);
  });
});

describe("findCodeUrl", () => {
  it.each([
    ["Code is at https://github.com/a/b.", "https://github.com/a/b"],
    ["(see https://github.com/a/b)", "https://github.com/a/b"],
    ["models at huggingface.co/org/model; data soon", "https://huggingface.co/org/model"],
    ["\\url{https://gitlab.com/g/p}}", "https://gitlab.com/g/p"],
    [
      "wiki https://en.wikipedia.org/wiki/X_(y) and code https://github.com/a/b",
      "https://github.com/a/b",
    ],
    ["Project page: https://example.org/proj!", "https://example.org/proj"],
    ["demo at https://x.github.io/p/.", "https://x.github.io/p/"],
  ])("%j → %s", (text, url) => {
    expect(findCodeUrl(text)).toBe(url);
  });

  it("ignores URLs that are not code or project pages", () => {
    expect(findCodeUrl("We compare with https://doi.org/10.1/x and ImageNet.")).toBeNull();
    expect(findCodeUrl("available at \\url{aka.ms/wavllm}")).toBeNull();
    expect(findCodeUrl(null, undefined, "")).toBeNull();
  });

  it("prefers a repository in the comment over a project page in the abstract", () => {
    expect(findCodeUrl("Project page: https://p.github.io/", "Code: https://github.com/o/r")).toBe(
      "https://github.com/o/r",
    );
  });
});
