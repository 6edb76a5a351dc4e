/**
 * The chart of a period: papers per chapter this period against the previous one, and the
 * top keywords, drawn as hand-built SVG and rasterised to PNG by @resvg/resvg-js. Chinese
 * labels need a CJK font: resvg is given the font files explicitly (system fonts are not
 * scanned, which is slower and differs between machines), so a machine without one fails
 * loudly (ChartFontMissingError) instead of drawing boxes. The Docker image installs Debian's
 * fonts-noto-cjk.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { R } from "../core/texts/reports.ts";
import { familyNames, subsetFont } from "./chart-font.ts";

/** Where Debian, Ubuntu, Alpine and Fedora put Noto Sans CJK (first found wins). */
export const CJK_FONT_CANDIDATES = [
  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
  "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
  "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
  "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
];
export const CJK_FONT_FAMILY = "Noto Sans CJK SC";

export class ChartFontMissingError extends Error {
  constructor(readonly tried: readonly string[]) {
    super(
      `no CJK font found for the report chart (tried ${tried.join(", ")}); install fonts-noto-cjk`,
    );
    this.name = "ChartFontMissingError";
  }
}

/** The first CJK font file present, or null. */
export function findCjkFont(candidates: readonly string[] = CJK_FONT_CANDIDATES): string | null {
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * One face of a font collection (.ttc) as a standalone OpenType file. resvg re-reads and
 * re-parses a whole collection for every run of text (~70 ms each with Noto CJK's ten
 * faces); a single-face file makes a chart ~10x faster. Tables are copied as they are.
 */
export function extractFace(ttc: Buffer, family: string): Buffer | null {
  if (ttc.toString("latin1", 0, 4) !== "ttcf") return null;
  const count = ttc.readUInt32BE(8);
  for (let f = 0; f < count; f++) {
    const off = ttc.readUInt32BE(12 + 4 * f);
    const n = ttc.readUInt16BE(off + 4);
    const tables = Array.from({ length: n }, (_, i) => {
      const r = off + 12 + 16 * i;
      return {
        r,
        tag: ttc.toString("latin1", r, r + 4),
        o: ttc.readUInt32BE(r + 8),
        len: ttc.readUInt32BE(r + 12),
      };
    });
    const name = tables.find((t) => t.tag === "name");
    if (!name || !familyNames(ttc.subarray(name.o, name.o + name.len)).includes(family)) continue;
    const head = 12 + 16 * n;
    const dir = Buffer.alloc(head);
    ttc.copy(dir, 0, off, off + 12);
    const chunks: Buffer[] = [dir];
    let pos = head;
    tables.forEach((t, i) => {
      const r = 12 + 16 * i;
      ttc.copy(dir, r, t.r, t.r + 8); // tag and checksum
      dir.writeUInt32BE(pos, r + 8);
      dir.writeUInt32BE(t.len, r + 12);
      const padded = Buffer.alloc((t.len + 3) & ~3);
      ttc.copy(padded, 0, t.o, t.o + t.len);
      chunks.push(padded);
      pos += padded.length;
    });
    return Buffer.concat(chunks);
  }
  return null;
}

const faceFiles = new Map<string, string>();

/**
 * The font file to give resvg: for a collection, its `family` face extracted once into the
 * temp folder (reused across runs while the source file is unchanged); else the file itself.
 */
export function fastFontFile(path: string, family = CJK_FONT_FAMILY): string {
  const key = `${path}|${family}`;
  const known = faceFiles.get(key);
  if (known) return known;
  let out = path;
  if (path.toLowerCase().endsWith(".ttc")) {
    const st = statSync(path);
    const dir = join(tmpdir(), "sudi-fonts");
    const target = join(
      dir,
      `${basename(path, ".ttc")}-${family.replace(/\W+/g, "")}-${st.size}-${Math.floor(st.mtimeMs)}.otf`,
    );
    if (existsSync(target)) out = target;
    else {
      const face = extractFace(readFileSync(path), family);
      if (face) {
        mkdirSync(dir, { recursive: true });
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, face);
        renameSync(tmp, target);
        out = target;
      }
    }
  }
  faceFiles.set(key, out);
  return out;
}

export interface ChartData {
  title: string;
  chapters: { chapter: string; current: number; previous: number | null }[];
  keywords: { word: string; count: number }[];
}

const esc = (t: string) =>
  t.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const WIDTH = 800;
const ROW = 34;
const LEFT = 190;
const BAR_MAX = WIDTH - LEFT - 90;

/** How a label is drawn; the same call gives SVG text or cached glyph outlines. */
interface LabelStyle {
  size: number;
  fill: string;
  bold?: boolean;
  anchor?: "start" | "end";
}
type Label = (text: string, x: number, y: number, style: LabelStyle) => string;

/** A label as an SVG <text> element (escaped). */
const textLabel: Label = (text, x, y, st) =>
  `<text x="${x}" y="${y}"${st.anchor === "end" ? ' text-anchor="end"' : ""} font-size="${st.size}"${st.bold ? ' font-weight="bold"' : ""} fill="${st.fill}">${esc(text)}</text>`;

/** The chart's drawing, with labels drawn by `label` (text elements or outlines). */
function drawChart(data: ChartData, label: Label, fontFamily: string): string {
  const max = Math.max(1, ...data.chapters.flatMap((c) => [c.current, c.previous ?? 0]));
  const top = 86;
  const rows = data.chapters.map((c, i) => {
    const y = top + i * ROW;
    const w1 = Math.round((c.current / max) * BAR_MAX);
    const w0 = Math.round(((c.previous ?? 0) / max) * BAR_MAX);
    return [
      label(c.chapter, LEFT - 12, y + 17, { size: 16, fill: "#222222", anchor: "end" }),
      `<rect x="${LEFT}" y="${y + 2}" width="${Math.max(1, w1)}" height="13" fill="#3b6fd8"/>`,
      label(String(c.current), LEFT + w1 + 6, y + 14, { size: 12, fill: "#3b6fd8" }),
      c.previous === null
        ? ""
        : `<rect x="${LEFT}" y="${y + 17}" width="${Math.max(1, w0)}" height="9" fill="#b8b8b8"/>` +
          label(String(c.previous), LEFT + w0 + 6, y + 26, { size: 11, fill: "#888888" }),
    ].join("");
  });
  const ky = top + data.chapters.length * ROW + 30;
  const words = data.keywords.slice(0, 8);
  const kmax = Math.max(1, ...words.map((k) => k.count));
  const keywordRows = words.map((k, i) => {
    const x = 40 + (i % 2) * 380;
    const y = ky + 30 + Math.floor(i / 2) * 28;
    const w = Math.round((k.count / kmax) * 120);
    return (
      label(k.word.slice(0, 24), x, y, { size: 15, fill: "#222222" }) +
      `<rect x="${x + 200}" y="${y - 12}" width="${Math.max(1, w)}" height="12" fill="#e08a2c"/>` +
      label(String(k.count), x + 206 + w, y - 1, { size: 11, fill: "#a05a10" })
    );
  });
  const height = ky + 30 + Math.ceil(words.length / 2) * 28 + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${esc(fontFamily)}">
<rect width="100%" height="100%" fill="#ffffff"/>
${label(data.title, 24, 38, { size: 22, fill: "#111111", bold: true })}
<rect x="${LEFT}" y="54" width="14" height="12" fill="#3b6fd8"/>${label(R.chartThis, LEFT + 20, 65, { size: 13, fill: "#333333" })}
<rect x="${LEFT + 80}" y="54" width="14" height="12" fill="#b8b8b8"/>${label(R.chartPrevious, LEFT + 100, 65, { size: 13, fill: "#333333" })}
${rows.join("\n")}
${words.length ? label(R.chartKeywords, 24, ky, { size: 18, fill: "#111111", bold: true }) : ""}
${keywordRows.join("\n")}
</svg>`;
}

/** The chart as SVG text (every label escaped). */
export function chartSvg(data: ChartData, fontFamily = CJK_FONT_FAMILY): string {
  return drawChart(data, textLabel, fontFamily);
}

/**
 * Labels as glyph outlines, shaped once per (font, style, text) and reused: resvg shapes
 * every run of text anew (and re-reads the font file for each run), while a chart repeats the
 * same chapter names, legend and numbers every time. A cached label is a <g> of paths placed
 * with a translation; its width (for right-aligned labels) is the rightmost point of its
 * outline. Keys name the source font, not the subset a label was shaped with: a subset draws
 * the same outlines.
 */
const outlines = new Map<string, { body: string; width: number }>();
const OUTLINE_CACHE = 2000;

const outlineKey = (fontFiles: string[], fontFamily: string, text: string, st: LabelStyle) =>
  `${fontFiles.join(",")}|${fontFamily}|${st.size}|${st.bold ? "b" : ""}|${st.fill}|${text}`;

/**
 * Shapes every label a chart lacks in ONE resvg pass, as the rows of one <text> element:
 * resvg pays a set-up per <text> element, so one pass of rows costs a fraction of one pass
 * per label. Each row comes back as one <path> (checked: otherwise the labels are left to the
 * one-label path); its outline is moved back to the origin.
 */
function shapeLabels(
  pending: Map<string, { text: string; st: LabelStyle }>,
  shapeWith: string[],
  fontFamily: string,
): void {
  const offsets: number[] = [];
  let y = 0;
  const rows = [...pending.values()].map(({ text, st }) => {
    offsets.push(y);
    const row = `<tspan x="0" y="${y + st.size}" font-size="${st.size}"${st.bold ? ' font-weight="bold"' : ""} fill="${st.fill}">${esc(text)}</tspan>`;
    y += st.size * 2;
    return row;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="${Math.max(y, 1)}" font-family="${esc(fontFamily)}"><text>${rows.join("")}</text></svg>`;
  const out = new Resvg(svg, {
    font: { fontFiles: shapeWith, loadSystemFonts: false, defaultFontFamily: fontFamily },
  }).toString();
  const paths = out.match(/<path [^>]*\/>/g) ?? [];
  if (paths.length !== rows.length) return;
  if (outlines.size + pending.size >= OUTLINE_CACHE) outlines.clear();
  [...pending.keys()].forEach((key, k) => {
    const path = paths[k] as string;
    let width = 0;
    const nums = (/ d="([^"]*)"/.exec(path)?.[1] ?? "").match(/-?[\d.]+(?:e-?\d+)?/g) ?? [];
    for (let i = 0; i < nums.length; i += 2) width = Math.max(width, Number(nums[i]));
    const body = `<g transform="translate(0 ${-(offsets[k] as number)})">${path}</g>`;
    outlines.set(key, { body, width });
  });
}

/** Labels from the outline cache; a label missing there is shaped alone with `shapeWith`. */
function outlineLabel(keyFiles: string[], shapeWith: string[], fontFamily: string): Label {
  return (text, x, y, st) => {
    const key = outlineKey(keyFiles, fontFamily, text, st);
    let hit = outlines.get(key);
    if (!hit) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="${st.size * 2}" font-family="${esc(fontFamily)}">${textLabel(text, 0, st.size, { ...st, anchor: "start" })}</svg>`;
      const r = new Resvg(svg, {
        font: { fontFiles: shapeWith, loadSystemFonts: false, defaultFontFamily: fontFamily },
      });
      const bbox = r.getBBox();
      const out = r.toString();
      const body = out
        .slice(out.indexOf(">") + 1, out.lastIndexOf("</svg>"))
        .replace("<defs/>", "");
      hit = { body, width: bbox ? bbox.x + bbox.width : 0 };
      if (outlines.size >= OUTLINE_CACHE) outlines.clear();
      outlines.set(key, hit);
    }
    const left = st.anchor === "end" ? x - hit.width : x;
    return `<g transform="translate(${left.toFixed(2)} ${y - st.size})">${hit.body}</g>`;
  };
}

let subsets = 0;

/**
 * The font files to shape `text` with, and how to clean up after: for one CFF CJK font, a
 * temporary subset holding just these characters (resvg reads its font file once per run of
 * text: under 1 MB instead of the 16 MB face is what makes the first chart fast); otherwise
 * the face extracted from a collection, or the files as given.
 */
function shapingFonts(
  sources: string[],
  family: string,
  text: string,
): { files: string[]; done(): void } {
  const only = sources.length === 1 ? (sources[0] as string) : null;
  if (!only) return { files: sources, done: () => {} };
  const subset = subsetFont(only, family, text);
  if (!subset) return { files: [fastFontFile(only, family)], done: () => {} };
  const file = join(tmpdir(), "sudi-fonts", `subset-${process.pid}-${++subsets}.otf`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, subset);
  } catch {
    return { files: [only], done: () => {} }; // no writable temp folder: slower, same picture
  }
  return { files: [file], done: () => rmSync(file, { force: true }) };
}

export interface RenderOptions {
  /** font files to load; default the first CJK font found */
  fontFiles?: string[];
  fontFamily?: string;
}

/** Rasterises an SVG with exactly the given fonts (no system font scan). */
export function svgToPng(svg: string, options: RenderOptions = {}): Uint8Array {
  const fontFiles = options.fontFiles ?? [fastFontFile(defaultFont())];
  const resvg = new Resvg(svg, {
    font: {
      fontFiles,
      loadSystemFonts: false,
      defaultFontFamily: options.fontFamily ?? CJK_FONT_FAMILY,
    },
    background: "#ffffff",
  });
  return resvg.render().asPng();
}

/**
 * The chart as PNG bytes. Labels are drawn from cached glyph outlines, so the picture is
 * rasterised without any text left to shape; labels not cached yet are shaped together, in
 * one pass, with a subset of the font made for their characters.
 */
export function renderChart(data: ChartData, options: RenderOptions = {}): Uint8Array {
  const sources = options.fontFiles ?? [defaultFont()];
  const family = options.fontFamily ?? CJK_FONT_FAMILY;
  // First pass: which labels have no outline yet; shape them all at once.
  const pending = new Map<string, { text: string; st: LabelStyle }>();
  drawChart(
    data,
    (text, _x, _y, st) => {
      const key = outlineKey(sources, family, text, st);
      if (!outlines.has(key)) pending.set(key, { text, st });
      return "";
    },
    family,
  );
  let svg: string;
  if (pending.size === 0) svg = drawChart(data, outlineLabel(sources, sources, family), family);
  else {
    const text = [...pending.values()].map((p) => p.text).join("");
    const shaping = shapingFonts(sources, family, text);
    try {
      shapeLabels(pending, shaping.files, family);
      svg = drawChart(data, outlineLabel(sources, shaping.files, family), family);
    } finally {
      shaping.done();
    }
  }
  return new Resvg(svg, {
    font: { fontFiles: [], loadSystemFonts: false },
    background: "#ffffff",
  })
    .render()
    .asPng();
}

/** The CJK font file of this machine, looked up once per process. */
let cjkFont: string | undefined;
function defaultFont(): string {
  cjkFont ??= findCjkFont() ?? undefined;
  if (!cjkFont) throw new ChartFontMissingError(CJK_FONT_CANDIDATES);
  return cjkFont;
}
