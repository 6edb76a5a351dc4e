/**
 * Full-text papers made in the test from known text: arXiv-shaped LaTeXML HTML and real PDFs
 * written with pdf-lib, so no binary fixture is checked in and every figure in them is known.
 */
import { PDFDocument, StandardFonts } from "pdf-lib";

export interface PaperText {
  title: string;
  authors: { name: string; affiliation?: string }[];
  abstract: string;
  /** numbered sections in order: [heading, paragraphs] */
  sections: [string, string[]][];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The paper as arXiv's HTML rendering (LaTeXML) lays it out. */
export function latexmlHtml(paper: PaperText): string {
  const authors = paper.authors
    .map(
      (a) =>
        `<span class="ltx_creator ltx_role_author"><span class="ltx_personname">${esc(a.name)}</span>` +
        (a.affiliation
          ? `<span class="ltx_author_notes"><span class="ltx_contact ltx_role_affiliation">${esc(a.affiliation)}</span></span>`
          : "") +
        "</span>",
    )
    .join('<span class="ltx_author_before">, </span>');
  const sections = paper.sections
    .map(
      ([heading, paras], i) =>
        `<section class="ltx_section" id="S${i + 1}"><h2 class="ltx_title ltx_title_section"><span class="ltx_tag ltx_tag_section">${i + 1} </span>${esc(heading)}</h2>` +
        paras
          .map(
            (p, j) =>
              `<div class="ltx_para" id="S${i + 1}.p${j + 1}"><p class="ltx_p">${esc(p)}</p></div>`,
          )
          .join("\n") +
        "</section>",
    )
    .join("\n");
  return `<!DOCTYPE html><html lang="en"><head><title>${esc(paper.title)}</title>
<script>window.tracking = "ignore me";</script><style>.ltx_p{margin:0}</style></head>
<body><nav class="ltx_page_navbar">Table of contents</nav>
<div class="ltx_page_main"><article class="ltx_document">
<h1 class="ltx_title ltx_title_document">${esc(paper.title)}</h1>
<div class="ltx_authors">${authors}</div>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6><p class="ltx_p">${esc(paper.abstract)}</p></div>
${sections}
<section class="ltx_bibliography" id="bib"><h2 class="ltx_title ltx_title_bibliography">References</h2><ul><li>[1] A. Author. A cited paper with 99.9% of nothing. 2021.</li></ul></section>
</article></div></body></html>`;
}

/** Wraps `text` into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The paper as a PDF: title block, "Abstract", then "N Heading" sections, ~50 lines a page. */
export async function paperPdf(paper: PaperText): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const lines: { text: string; bold?: boolean }[] = [
    { text: paper.title, bold: true },
    { text: paper.authors.map((a) => a.name).join(", ") },
    ...[...new Set(paper.authors.flatMap((a) => (a.affiliation ? [a.affiliation] : [])))].map(
      (text) => ({ text }),
    ),
    { text: "" },
    { text: "Abstract", bold: true },
    ...wrap(paper.abstract, 90).map((text) => ({ text })),
  ];
  paper.sections.forEach(([heading, paras], i) => {
    lines.push({ text: "" }, { text: `${i + 1} ${heading}`, bold: true });
    for (const p of paras) lines.push(...wrap(p, 90).map((text) => ({ text })));
  });
  const perPage = 50;
  for (let start = 0; start < lines.length; start += perPage) {
    const page = doc.addPage([612, 792]);
    lines.slice(start, start + perPage).forEach((line, i) => {
      if (!line.text) return;
      page.drawText(line.text, { x: 50, y: 750 - i * 14, size: 10, font: line.bold ? bold : font });
    });
  }
  return doc.save();
}

const FILLER =
  "We describe the setting in detail and repeat the analysis for every configuration considered in this work, so that the reader can follow each step.";

/** A long paper: `pages` pages of numbered sections with filler paragraphs. */
export function longPaper(pages: number): PaperText {
  const heads = ["Introduction", "Related Work", "Method", "Experiments", "Analysis", "Conclusion"];
  const parasPerSection = Math.max(1, Math.round((pages * 50) / heads.length / 2));
  return {
    title: "A Very Long Study of Everything",
    authors: [{ name: "Ada Lovelace", affiliation: "University of Somewhere" }],
    abstract: "We study everything at length and report a 42.5% gain.",
    sections: heads.map((h) => [h, Array.from({ length: parasPerSection }, () => FILLER)]),
  };
}

/** A short, realistic paper whose results carry known figures. */
export const SAMPLE_PAPER: PaperText = {
  title: "DiffFit: Unlocking Transferability of Large Diffusion Models",
  authors: [
    { name: "Enze Xie", affiliation: "Huawei Noah's Ark Lab" },
    { name: "Lewei Yao", affiliation: "The University of Hong Kong" },
  ],
  abstract:
    "We propose DiffFit, a parameter-efficient strategy to fine-tune large pre-trained diffusion models. It only fine-tunes the bias term and newly-added scaling factors in specific layers.",
  sections: [
    [
      "Introduction",
      [
        "Diffusion models are hard to adapt to new domains; full fine-tuning is slow and costly in storage.",
      ],
    ],
    [
      "Method",
      [
        "DiffFit trains only the bias terms and a scaling factor per block. We show why the scaling factor speeds up adaptation.",
      ],
    ],
    [
      "Experiments",
      [
        "DiffFit trains 2x faster than full fine-tuning and stores only 0.12% of the parameters.",
        "On ImageNet 512x512 it reaches an FID of 3.02, and it matches or beats full fine-tuning on 8 downstream datasets.",
      ],
    ],
    [
      "Conclusion",
      ["Simple parameter-efficient fine-tuning transfers large diffusion models well."],
    ],
  ],
};
