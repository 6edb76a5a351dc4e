/**
 * A paper's PDF into plain sections, through pdf.js (pdfjs-dist 5.4: the last line whose
 * engines allow Node 20). PDFs carry no structure, so headings are recognised by their shape
 * ("3 Method", "4.1 Setup", "ABSTRACT", "Conclusion"), and affiliations are read from the
 * first page, between the author names and the abstract.
 */
import type { FullTextSection } from "./fulltext.ts";

/** The text of each page, lines in reading order as pdf.js gives them. */
export async function pdfPages(bytes: Uint8Array, maxPages = 80): Promise<string[]> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await pdfjs.getDocument({
    // pdf.js takes ownership of the buffer; hand it a copy
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= Math.min(doc.numPages, maxPages); n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = "";
      let lastY: number | null = null;
      for (const item of content.items) {
        if (!("str" in item)) continue;
        const y = item.transform[5] as number;
        if (lastY !== null && Math.abs(y - lastY) > 2 && !text.endsWith("\n")) text += "\n";
        text += item.str;
        if (item.hasEOL) text += "\n";
        lastY = y;
      }
      pages.push(text);
      page.cleanup();
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

const KNOWN_HEADINGS =
  /^(abstract|introduction|background|related work|preliminar(y|ies)|method(s|ology)?|approach|our approach|proposed method|model|framework|experiments?|experimental (setup|results)|evaluation|results|analysis|ablation stud(y|ies)|discussion|limitations?|conclusions?( and future work)?|acknowledg(e)?ments?|references|bibliography|appendix)$/i;

const STOPWORDS = new Set([
  "the",
  "this",
  "that",
  "these",
  "there",
  "then",
  "with",
  "from",
  "where",
  "when",
  "which",
]);

/** A heading line: a numbered title ("3 Method", "4.1. Setup") or a known bare one. */
export function headingOf(line: string): string | null {
  const t = line.trim();
  if (t.length < 4 || t.length > 80) return null;
  const numbered =
    /^((\d{1,2})(\.\d{1,2}){0,2}|[IVX]{1,4})\.?\s+([A-Z][A-Za-z0-9 ,:&()'/-]{2,70})$/.exec(t);
  const title = numbered?.[4]?.trim();
  if (title && !/[.:,]$/.test(title) && title.split(" ").length <= 9) {
    const oneWord = !title.includes(" ");
    if (!oneWord || (title.length >= 4 && !STOPWORDS.has(title.toLowerCase()))) return title;
  }
  const bare = t.replace(/\s+/g, " ");
  if (KNOWN_HEADINGS.test(bare)) return bare[0]?.toUpperCase() + bare.slice(1).toLowerCase();
  return null;
}

/** Joins lines into paragraphs and mends words hyphenated across a line break. */
function joinLines(lines: string[]): string {
  return lines
    .join("\n")
    .replace(/(\w)-\n\s*(\w)/g, "$1$2")
    .replace(/\s+/g, " ")
    .trim();
}

/** Sections of the PDF's text; what precedes the first heading is the title block. */
export function pdfSections(pages: string[]): { sections: FullTextSection[]; front: string } {
  const lines = pages.join("\n").split("\n");
  const sections: FullTextSection[] = [];
  const front: string[] = [];
  let current: { title: string; lines: string[] } | null = null;
  for (const line of lines) {
    const title = headingOf(line);
    if (title) {
      if (current) sections.push({ title: current.title, text: joinLines(current.lines) });
      current = { title, lines: [] };
      continue;
    }
    // Many papers set "Abstract" inline: "Abstract—We propose ..." or "Abstract. We ..."
    const inline: RegExpExecArray | null = current
      ? null
      : /^\s*abstract\s*[.:—–-]\s*(.+)$/i.exec(line);
    if (inline?.[1]) {
      current = { title: "Abstract", lines: [inline[1]] };
      continue;
    }
    (current ? current.lines : front).push(line);
  }
  if (current) sections.push({ title: current.title, text: joinLines(current.lines) });
  return { sections: sections.filter((s) => s.text.length > 0), front: front.join("\n") };
}

const AFFILIATION_HINT =
  /(univ|institut|college|school|academy|laborator|\blab\b|research|centre|center|corp|ltd|google|deepmind|meta ai|microsoft|openai|nvidia|alibaba|tencent|baidu|bytedance|huawei|amazon|apple|大学|学院|研究院|实验室)/i;

/** Affiliation lines of the title block (first page, before the abstract). */
export function pdfAffiliations(front: string): string[] {
  const found: string[] = [];
  for (const raw of front.split("\n")) {
    for (const part of raw.split(/\s{2,}|;|(?<=\S)\s*[*†‡§¶]\s*(?=\S)/)) {
      const line = part
        .replace(/^[\s\d*†‡§¶,]+/, "")
        .replace(/\S+@\S+/g, "")
        .replace(/[\s,]+$/, "")
        .trim();
      if (line.length < 3 || line.length > 160 || !AFFILIATION_HINT.test(line)) continue;
      if (!found.includes(line)) found.push(line);
    }
  }
  return found.slice(0, 12);
}
