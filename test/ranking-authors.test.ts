/**
 * Author follows: how a typed name (with optional cues) matches the authors arXiv lists.
 */
import { describe, expect, it } from "vitest";
import { parseFollowInput } from "../src/commands/personal.ts";
import { authoredPaper, followMatches, followValue, parseFollow } from "../src/ranking/authors.ts";

type Case = [typed: string, authors: string[], categories: string[], matches: boolean, why: string];

const CASES: Case[] = [
  ["Yuhong Li", ["Yuhong Li"], ["cs.CV"], true, "the same name"],
  ["yuhong li", ["Yuhong Li"], ["cs.CV"], true, "case does not matter"],
  ["Ｙｕｈｏｎｇ　Ｌｉ", ["Yuhong Li"], ["cs.CV"], true, "full-width typing"],
  ["Li Yuhong", ["Yuhong Li"], ["cs.CV"], true, "surname first, the Chinese habit"],
  ["Li, Yuhong", ["Yuhong Li"], ["cs.CV"], true, "surname, comma, given name"],
  ["Yuhong Li", ["Yuhong Liu"], ["cs.CV"], false, "a different surname"],
  ["Yuhong Li", ["Yuhan Li"], ["cs.CV"], false, "a different given name"],
  ["Yu-Hong Li", ["Yuhong Li"], ["cs.CV"], true, "hyphenated given name"],
  ["Yuhong Li", ["Yuhong K. Li"], ["cs.CV"], true, "a middle initial on the paper"],
  ["Müller", ["Thomas Muller"], ["cs.LG"], false, "a bare common surname is too weak"],
  ["Thomas Müller", ["Thomas Muller"], ["cs.LG"], true, "accents folded (Müller = Muller)"],
  ["Thomas Muller", ["Thomas Müller"], ["cs.LG"], true, "accents folded the other way"],
  ["José Hernández-Orallo", ["Jose Hernandez-Orallo"], ["cs.AI"], true, "accents and hyphens"],
  ["Y. Bengio", ["Yoshua Bengio"], ["cs.LG"], true, "an initial with a rare surname"],
  ["Yoshua Bengio", ["Y. Bengio"], ["cs.LG"], true, "the paper abbreviates, rare surname"],
  ["Y. Bengio", ["Samy Bengio"], ["cs.LG"], false, "the initial must agree"],
  ["Y. Li", ["Yuhong Li"], ["cs.CV"], false, "initial + common surname needs a cue"],
  ["Y. Li | cs.CV", ["Yuhong Li"], ["cs.CV"], true, "…a category cue"],
  ["Y. Li | cs.CV", ["Yuhong Li"], ["cs.CL"], false, "…the category must hold"],
  ["Y. Li | Kaiming He", ["Yuhong Li", "Kaiming He"], ["cs.CV"], true, "…a co-author cue"],
  ["Y. Li with Kaiming He", ["Yuhong Li", "Kaiming He"], ["cs.CV"], true, "…'with' works too"],
  ["Y. Li | Kaiming He", ["Yuhong Li", "Ross Girshick"], ["cs.CV"], false, "…co-author absent"],
  ["Y. Li | cs.CV", ["Xiang Li"], ["cs.CV"], false, "…and the initial still must agree"],
  ["Yuhong Li", ["Y. Li"], ["cs.CV"], false, "an abbreviated common name on the paper"],
  ["Yuhong Li | cs.CV", ["Y. Li"], ["cs.CV"], true, "…unless a cue holds"],
  ["Kaiming He", ["Kaiming He", "Xinlei Chen"], ["cs.CV"], true, "any position in the list"],
];

describe("author matching", () => {
  it.each(CASES)("%s vs %j (%j) → %s: %s", (typed, authors, categories, expected) => {
    const value = parseFollowInput(typed);
    expect(value).not.toBeNull();
    const follow = parseFollow(value ?? "");
    expect(follow).not.toBeNull();
    const paper = authoredPaper(
      authors.map((name) => ({ name })),
      categories,
    );
    expect(followMatches(follow ?? (null as never), paper)).toBe(expected);
  });

  it("says when a follow needs a cue, and stores cues in one spelling", () => {
    expect(parseFollow(followValue("Y. Li"))?.needsCue).toBe(true);
    expect(parseFollow(followValue("Yuhong Li"))?.needsCue).toBe(false);
    expect(parseFollow(followValue("Y. Bengio"))?.needsCue).toBe(false);
    expect(followValue("Y.  Li ｜ cs.CV + Kaiming  He")).toBe("Y. Li | cs.CV | Kaiming He");
  });

  it("refuses what is not a name", () => {
    for (const bad of ["", "<b>x</b>", "12345", "a".repeat(200), "Li 😀", "@everyone"]) {
      expect(parseFollowInput(bad)).toBeNull();
    }
  });
});
