/**
 * A paper's full text, for the deep-read card and /ask: arXiv's HTML rendering where it
 * exists, else the PDF's text. Both are fetched through the one paced ArxivClient (arXiv's
 * terms cover them too), with their own timeout and a size cap, and come back as plain
 * sections plus the affiliations of the title block.
 */
import type { ArxivClient } from "./client.ts";
import { htmlAffiliations, htmlSections } from "./fulltext-html.ts";
import { pdfAffiliations, pdfPages, pdfSections } from "./fulltext-pdf.ts";

export interface FullTextSection {
  /** the heading as the paper wrote it, numbering removed ("Introduction", "Abstract") */
  title: string;
  text: string;
}

export interface FullText {
  source: "html" | "pdf";
  /** where it came from, for the card's footer */
  url: string;
  sections: FullTextSection[];
  affiliations: string[];
  /** characters of text, before any excerpt is chosen */
  chars: number;
}

export interface FullTextUrls {
  /** ARXIV_HTML_URL, default https://arxiv.org/html */
  htmlUrl: string;
  /** ARXIV_PDF_URL, default https://arxiv.org/pdf */
  pdfUrl: string;
}

export interface FullTextLimits {
  /** bytes; a larger document is refused (default 25 MB for PDFs, 15 MB for HTML) */
  maxPdfBytes?: number;
  maxHtmlBytes?: number;
  /** per download (default 60 s) */
  timeoutMs?: number;
  /** pages read from a PDF (default 80) */
  maxPages?: number;
}

/** Neither rendering could be had: the paper has no HTML and its PDF failed or is absent. */
export class FullTextUnavailableError extends Error {
  constructor(
    readonly paperId: string,
    readonly reasons: string[],
  ) {
    super(`no full text for ${paperId}: ${reasons.join("; ")}`);
    this.name = "FullTextUnavailableError";
  }
}

const join = (base: string, id: string, version: number) =>
  `${base.replace(/\/+$/, "")}/${id}v${version}`;

/**
 * Fetches and reads the full text of `id` at `version`. HTML first (cheaper, structured);
 * the PDF when arXiv has no HTML (404) or the HTML has no usable sections.
 */
export async function fetchFullText(
  client: ArxivClient,
  id: string,
  version: number,
  urls: FullTextUrls,
  limits: FullTextLimits = {},
): Promise<FullText> {
  const reasons: string[] = [];
  const timeoutMs = limits.timeoutMs ?? 60_000;
  const htmlUrl = join(urls.htmlUrl, id, version);
  const html = await client.fetchDocument(htmlUrl, {
    maxBytes: limits.maxHtmlBytes ?? 15_000_000,
    timeoutMs,
    accept: "text/html",
  });
  if (html.kind === "ok") {
    const text = new TextDecoder().decode(html.bytes);
    const sections = htmlSections(text);
    if (sections.length >= 2) {
      return {
        source: "html",
        url: htmlUrl,
        sections,
        affiliations: htmlAffiliations(text),
        chars: sections.reduce((n, s) => n + s.text.length, 0),
      };
    }
    reasons.push("HTML has no sections");
  } else reasons.push(`HTML ${html.reason}`);

  const pdfUrl = join(urls.pdfUrl, id, version);
  const pdf = await client.fetchDocument(pdfUrl, {
    maxBytes: limits.maxPdfBytes ?? 25_000_000,
    timeoutMs,
    accept: "application/pdf",
  });
  if (pdf.kind === "ok") {
    try {
      const pages = await pdfPages(pdf.bytes, limits.maxPages ?? 80);
      const { sections, front } = pdfSections(pages);
      if (sections.length > 0) {
        return {
          source: "pdf",
          url: pdfUrl,
          sections,
          affiliations: pdfAffiliations(front),
          chars: sections.reduce((n, s) => n + s.text.length, 0),
        };
      }
      reasons.push("PDF has no text");
    } catch (error) {
      reasons.push(`PDF unreadable (${error instanceof Error ? error.message : String(error)})`);
    }
  } else reasons.push(`PDF ${pdf.reason}`);
  throw new FullTextUnavailableError(id, reasons);
}
