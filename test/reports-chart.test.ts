import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { afterAll, describe, expect, it } from "vitest";
import {
  CJK_FONT_FAMILY,
  chartSvg,
  extractFace,
  fastFontFile,
  findCjkFont,
  renderChart,
  svgToPng,
} from "../src/reports/chart.ts";
import { subsetFont } from "../src/reports/chart-font.ts";
import { CHAPTERS } from "../src/topics/taxonomy.ts";

const LATIN_ONLY = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One label, black on white, as resvg draws it with exactly these fonts. */
function label(text: string, fontFiles: string[], family: string): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="48"><rect width="100%" height="100%" fill="#fff"/><text x="8" y="34" font-size="28" font-family="${family}" fill="#000">${text}</text></svg>`;
  const r = new Resvg(svg, {
    font: { fontFiles, loadSystemFonts: false, defaultFontFamily: family },
  });
  return Buffer.from(r.render().pixels);
}

/** How many pixels are not white. */
const ink = (rgba: Buffer) => {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if ((rgba[i] ?? 255) < 200) n++;
  return n;
};

describe("the report chart", () => {
  const cjk = findCjkFont();

  it("finds the CJK font this machine installs (fonts-noto-cjk)", () => {
    expect(cjk).not.toBeNull();
  });

  it("draws Chinese labels as glyphs, not as boxes (compared with a Latin-only font)", () => {
    expect(existsSync(LATIN_ONLY)).toBe(true);
    const font = fastFontFile(cjk as string);
    const withCjk = label("文生视频", [font], CJK_FONT_FAMILY);
    const tofu = label("文生视频", [LATIN_ONLY], "DejaVu Sans");
    // Something is drawn either way (boxes are ink too) ...
    expect(ink(withCjk)).toBeGreaterThan(50);
    expect(ink(tofu)).toBeGreaterThan(50);
    // ... but they differ, and only real glyphs tell two labels of the same length apart:
    // every missing character is the same box.
    expect(withCjk.equals(tofu)).toBe(false);
    const otherTofu = label("安全治理", [LATIN_ONLY], "DejaVu Sans");
    const otherCjk = label("安全治理", [font], CJK_FONT_FAMILY);
    expect(otherTofu.equals(tofu)).toBe(true);
    expect(otherCjk.equals(withCjk)).toBe(false);
  });

  it("the single face extracted from the collection is a valid OpenType font of that family", () => {
    const face = extractFace(readFileSync(cjk as string), CJK_FONT_FAMILY);
    expect(face?.subarray(0, 4).toString("latin1")).toBe("OTTO");
    expect(extractFace(readFileSync(cjk as string), "No Such Family")).toBeNull();
  });

  it("renders every chapter and the keywords to a PNG, labels escaped", () => {
    const data = {
      title: "月报 2024年4月：各章节论文数",
      chapters: CHAPTERS.map((chapter, i) => ({
        chapter,
        current: i * 3,
        previous: i % 2 ? i : null,
      })),
      keywords: [
        { word: "扩散模型", count: 9 },
        { word: "<script>&", count: 2 },
      ],
    };
    const svg = chartSvg(data);
    for (const c of CHAPTERS) expect(svg).toContain(c.replace("&", "&amp;"));
    expect(svg).toContain("&lt;script&gt;&amp;");
    const png = Buffer.from(renderChart(data));
    expect(png.subarray(0, 8).equals(PNG)).toBe(true);
    expect(png.length).toBeGreaterThan(5000);
    // the same chart without the CJK font is a different picture (boxes)
    const boxes = Buffer.from(
      svgToPng(svg, { fontFiles: [LATIN_ONLY], fontFamily: "DejaVu Sans" }),
    );
    expect(boxes.equals(png)).toBe(false);
  });

  describe("the subset font a chart is shaped with", () => {
    const dir = mkdtempSync(join(tmpdir(), "sudi-subset-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const subsetFile = (text: string) => {
      const font = subsetFont(cjk as string, CJK_FONT_FAMILY, text);
      expect(font).not.toBeNull();
      const file = join(dir, `${readdirSync(dir).length}.otf`);
      writeFileSync(file, font as Buffer);
      return { file, size: (font as Buffer).length };
    };
    // Chapter names, digits after Latin letters (Noto swaps those through GSUB), kerned
    // Latin (GPOS), punctuation and a title.
    const labels = [
      "文生视频",
      "智能体(Agent)",
      "大模型/AI4Science",
      "KV cache 2024 年 4 月",
      "e2",
      "热门关键词：扩散、RLHF",
    ];

    it("draws every label pixel for pixel as the whole face does", () => {
      const whole = fastFontFile(cjk as string);
      const { file } = subsetFile(labels.join(""));
      for (const text of labels) {
        const fromSubset = label(text, [file], CJK_FONT_FAMILY);
        expect(ink(fromSubset)).toBeGreaterThan(50);
        expect(fromSubset.equals(label(text, [whole], CJK_FONT_FAMILY)), text).toBe(true);
      }
    });

    it("holds only the characters asked for, and is a small fraction of the face", () => {
      const { file, size } = subsetFile("文生视频");
      expect(size).toBeLessThan(2_000_000); // the face alone is ~16 MB
      // Characters left out all draw the same .notdef box; those asked for are glyphs.
      expect(
        label("安全", [file], CJK_FONT_FAMILY).equals(label("治理", [file], CJK_FONT_FAMILY)),
      ).toBe(true);
      expect(
        label("文生", [file], CJK_FONT_FAMILY).equals(label("视频", [file], CJK_FONT_FAMILY)),
      ).toBe(false);
    });

    it("is not made from a font it cannot cut (TrueType outlines, an unknown family)", () => {
      expect(subsetFont(LATIN_ONLY, "DejaVu Sans", "abc")).toBeNull();
      expect(subsetFont(cjk as string, "No Such Family", "文")).toBeNull();
    });

    it("a chart shaped through the subset is the chart shaped with the whole face", () => {
      const data = {
        title: "周报 2024-W17：Agent 与 KV cache",
        chapters: CHAPTERS.slice(0, 4).map((chapter, i) => ({
          chapter,
          current: 3 + i,
          previous: i,
        })),
        keywords: [{ word: "世界模型", count: 4 }],
      };
      // Two font files are never cut: the second (Latin-only) one is never chosen by family.
      const whole = Buffer.from(
        renderChart(data, { fontFiles: [fastFontFile(cjk as string), LATIN_ONLY] }),
      );
      expect(Buffer.from(renderChart(data)).equals(whole)).toBe(true);
    });
  });
});
