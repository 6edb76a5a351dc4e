/**
 * arXiv's HTML rendering (LaTeXML output, https://arxiv.org/html/<id>v<N>) into plain
 * sections. HTML is not XML, so this is a tolerant reader, not src/arxiv/xml.ts: it drops
 * scripts, styles, figures' images and the bibliography, keeps a formula's LaTeX source
 * (`alttext`), and splits the text at section headings. What it returns is untrusted text
 * from the paper's authors: callers escape it and treat it as data in prompts.
 */
import type { FullTextSection } from "./fulltext.ts";

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  times: "×",
  minus: "−",
  pm: "±",
  le: "≤",
  ge: "≥",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
};

/** Decodes the entities HTML text uses; unknown named ones are kept as written. */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === "#") {
      const n =
        code[1] === "x" || code[1] === "X"
          ? Number.parseInt(code.slice(2), 16)
          : Number(code.slice(1));
      const valid = n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff);
      return valid ? String.fromCodePoint(n) : "";
    }
    return NAMED_ENTITIES[code.toLowerCase()] ?? whole;
  });
}

/** Markup to plain text: block ends become line breaks, runs of blanks collapse. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(br|\/p|\/div|\/li|\/tr|\/h[1-6]|\/figcaption|\/table)\b[^>]*>/gi, "\n")
    .replace(/<\/t[dh]\s*>/gi, " | ")
    .replace(/<[^>]+>/g, " ");
  return decodeHtmlEntities(text)
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n[ \n]*/g, "\n")
    .trim();
}

/** Removes elements whose content is never text to read (scripts, styles, the page chrome). */
function stripNoise(html: string): string {
  return (
    html
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(
        /<(script|style|noscript|svg|head|nav|header|footer|button)\b[\s\S]*?<\/\1\s*>/gi,
        "",
      )
      // a formula: its LaTeX source is what a reader (and the LLM) can use
      .replace(
        /<math\b[^>]*?\balttext="([^"]*)"[\s\S]*?<\/math\s*>/gi,
        (_m, tex: string) => ` ${tex} `,
      )
      .replace(/<math\b[\s\S]*?<\/math\s*>/gi, " ")
      .replace(/<img\b[^>]*>/gi, " ")
  );
}

/** The inner HTML of the first element whose class list has `className` (nesting-aware). */
function elementByClass(html: string, className: string): string | null {
  const open = new RegExp(`<(\\w+)\\b[^>]*\\bclass="[^"]*\\b${className}\\b[^"]*"[^>]*>`, "i");
  const m = open.exec(html);
  if (!m?.[1]) return null;
  const tag = m[1].toLowerCase();
  const start = m.index + m[0].length;
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, "gi");
  re.lastIndex = start;
  let depth = 1;
  for (let t = re.exec(html); t; t = re.exec(html)) {
    depth += t[1] ? -1 : 1;
    if (depth === 0) return html.slice(start, t.index);
  }
  return html.slice(start);
}

const AFFILIATION_HINT =
  /(univ|institut|college|school|academy|laborator|\blab\b|research|centre|center|inc\.?$|corp|ltd|company|google|deepmind|meta|microsoft|openai|nvidia|alibaba|tencent|baidu|bytedance|huawei|amazon|apple|大学|学院|研究院|实验室|公司)/i;

/** Affiliations named in the author block, deduplicated, in order of appearance. */
export function htmlAffiliations(html: string): string[] {
  const block = elementByClass(html, "ltx_authors");
  if (!block) return [];
  const found: string[] = [];
  const tagged = [
    ...block.matchAll(
      /<span\b[^>]*class="[^"]*ltx_role_affiliation[^"]*"[^>]*>([\s\S]*?)<\/span>/gi,
    ),
  ].map((m) => htmlToText(m[1] ?? ""));
  const candidates = tagged.length
    ? tagged.flatMap((t) => t.split("\n"))
    : htmlToText(block).split("\n");
  for (const raw of candidates) {
    const line = raw
      .replace(/^[\s\d*†‡§¶,]+/, "")
      .replace(/\S+@\S+/g, "")
      .replace(/[\s,;]+$/, "")
      .trim();
    if (line.length < 3 || line.length > 160 || !AFFILIATION_HINT.test(line)) continue;
    if (!found.includes(line)) found.push(line);
  }
  return found.slice(0, 12);
}

/**
 * The document's sections: the abstract first, then one section per top-level heading (h2,
 * or h1/h3 in documents that have no h2), bibliography and appendix headings included but
 * marked by title so the excerpt picker can drop them.
 */
export function htmlSections(html: string): FullTextSection[] {
  const clean = stripNoise(html);
  const sections: FullTextSection[] = [];
  const abstractHtml = elementByClass(clean, "ltx_abstract");
  let body = clean;
  if (abstractHtml !== null) {
    const text = htmlToText(abstractHtml.replace(/<h\d\b[\s\S]*?<\/h\d\s*>/i, ""));
    if (text) sections.push({ title: "Abstract", text });
    body = clean.replace(abstractHtml, "");
  }
  const bib = /<(section|div)\b[^>]*class="[^"]*ltx_bibliography/i.exec(body);
  if (bib) body = `${body.slice(0, bib.index)}<h2>References</h2>`;
  const level = /<h2\b/i.test(body) ? "2" : /<h3\b/i.test(body) ? "3" : "1";
  const heading = new RegExp(`<h${level}\\b[^>]*>([\\s\\S]*?)<\\/h${level}\\s*>`, "gi");
  const marks = [...body.matchAll(heading)];
  for (const [i, m] of marks.entries()) {
    const title = htmlToText(m[1] ?? "")
      .replace(/^\s*[\dIVX]+(\.\d+)*\.?\s+/, "")
      .replace(/\s+/g, " ")
      .trim();
    const end = marks[i + 1]?.index ?? body.length;
    const text = htmlToText(body.slice((m.index ?? 0) + m[0].length, end));
    if (title && text) sections.push({ title, text });
  }
  return sections;
}
