/**
 * Saved papers as files: BibTeX in the shape arXiv's own export gives (@misc with eprint,
 * archivePrefix and primaryClass), and CSV (RFC 4180, cells that a spreadsheet would run as a
 * formula defused).
 */
import { absUrl, type Paper } from "../store/paper.ts";
import { foldName, parseName } from "./authors.ts";

/** The year of a paper: from its first version's date, else from a new-style id. */
function yearOf(paper: Paper): string {
  const fromDate = paper.published?.slice(0, 4);
  if (fromDate && /^\d{4}$/.test(fromDate)) return fromDate;
  const m = /^(\d{2})\d{2}\./.exec(paper.id);
  return m ? `20${m[1]}` : "";
}

/** Text inside `{…}`: braces must balance or BibTeX reads the rest of the file wrongly. */
function braced(text: string): string {
  const clean = text.replace(/\s+/g, " ").trim();
  let depth = 0;
  for (const ch of clean) {
    if (ch === "{") depth++;
    else if (ch === "}" && --depth < 0) break;
  }
  const balanced = depth === 0 ? clean : clean.replace(/[{}]/g, "");
  // A lone backslash at the end would escape the closing brace.
  return balanced.replace(/\\+$/, "");
}

/** arXiv-style key: first author's surname, year, first title word ("li2024lazy"). */
function citeKey(paper: Paper, used: Set<string>): string {
  const first = paper.authors[0] ? parseName(paper.authors[0].name) : null;
  const surname = foldName(first?.surname ?? "arxiv").replace(/[^a-z]/g, "") || "arxiv";
  const word =
    foldName(paper.title)
      .split(/[^a-z0-9]+/)
      .find((w) => w.length > 3) ?? "paper";
  const base = `${surname}${yearOf(paper)}${word}`;
  let key = base;
  for (let n = 2; used.has(key); n++) key = `${base}${n}`;
  used.add(key);
  return key;
}

export function toBibtex(papers: readonly Paper[]): string {
  const used = new Set<string>();
  return papers
    .map((p) => {
      const fields: [string, string][] = [
        ["title", braced(p.title)],
        ["author", braced(p.authors.map((a) => a.name).join(" and "))],
        ["year", yearOf(p)],
        ["eprint", p.id],
        ["archivePrefix", "arXiv"],
        ["primaryClass", braced(p.primaryCategory)],
        ["url", absUrl(p.id)],
      ];
      const body = fields
        .filter(([, v]) => v !== "")
        .map(([k, v]) => `      ${k}={${v}},`)
        .join("\n");
      return `@misc{${citeKey(p, used)},\n${body}\n}\n`;
    })
    .join("\n");
}

function csvCell(value: string): string {
  // A leading = + - @ (or tab/CR) makes spreadsheets run the cell as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(
  rows: readonly { paper: Paper; savedAt: string; titleZh?: string }[],
): string {
  const header = [
    "arxiv_id",
    "version",
    "title",
    "title_zh",
    "authors",
    "primary_category",
    "url",
    "saved_at",
  ];
  const lines = rows.map(({ paper, savedAt, titleZh }) =>
    [
      paper.id,
      String(paper.version),
      paper.title,
      titleZh ?? "",
      paper.authors.map((a) => a.name).join("; "),
      paper.primaryCategory,
      absUrl(paper.id),
      savedAt,
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[header.join(","), ...lines].join("\r\n")}\r\n`;
}
