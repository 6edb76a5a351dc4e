import { describe, expect, it } from "vitest";
import {
  keepSupportedItems,
  keepSupportedNumbers,
  numbersIn,
  sourceNumbers,
} from "../src/summarise/numbers.ts";

const SOURCE =
  "DiffFit trains 2x faster than full fine-tuning and stores only 0.12% of the parameters. " +
  "On ImageNet 512 $\\times$ 512 it reaches an FID of 3.02 after 12k steps on 8 datasets, " +
  "with a 7B model; accuracy rises from 61.0 to 73.5.";

describe("numbers compared by value", () => {
  it.each([
    ["快 2 倍", [2]],
    ["快 2×", [2]],
    ["2x faster", [2]],
    ["2-fold", [2]],
    ["0.12% 的参数", [0.12]],
    ["12,000 步", [12000]],
    ["FID 3.02。", [3.02]],
    ["512×512", [512, 512]],
  ])("reads %s", (text, values) => {
    expect(numbersIn(text).map((n) => n.value)).toEqual(values);
  });

  it("counts a scaled figure under both values (12k = 12,000; 7B = 7e9)", () => {
    expect(numbersIn("12k").map((n) => n.value)).toEqual([12, 12000]);
    const known = sourceNumbers(SOURCE);
    expect(known.has(12000)).toBe(true);
    expect(known.has(7e9)).toBe(true);
  });

  it("keeps sentences whose numbers occur in the source, in any of their spellings", () => {
    const known = sourceNumbers(SOURCE);
    const text =
      "训练快 2 倍，只存 0.12% 的参数。FID 3.02。准确率由 61 升到 73.5。训练 12,000 步。";
    expect(keepSupportedNumbers(text, known)).toEqual({ text, removed: [] });
  });

  it("removes the sentence of an invented figure and records it", () => {
    const known = sourceNumbers(SOURCE);
    const checked = keepSupportedNumbers("FID 3.02。在 COCO 上提升 37.5%。速度快 2 倍。", known);
    expect(checked.text).toBe("FID 3.02。速度快 2 倍。");
    expect(checked.removed).toEqual(["37.5%"]);
  });

  it("lets small counting words pass (3 个模块) but not an unknown measurement", () => {
    const known = sourceNumbers(SOURCE);
    expect(keepSupportedNumbers("由 3 个模块组成。", known).removed).toEqual([]);
    expect(keepSupportedNumbers("提升 11 个点。", known).removed).toEqual(["11"]);
  });

  it("filters list items the same way", () => {
    const known = sourceNumbers(SOURCE);
    expect(keepSupportedItems(["FID 3.02", "BLEU 45.1", "参数量 7B"], known)).toEqual({
      items: ["FID 3.02", "参数量 7B"],
      removed: ["45.1"],
    });
  });
});
