/**
 * Author names, as people type them and as arXiv lists them. A follow ("Yuhong Li",
 * "Li Yuhong", "Müller", "Y. Li | cs.CV") is parsed once into folded tokens and cues; a paper's
 * author matches when the surname is equal and every given name agrees in full or by its
 * initial. A bare initial with a common surname ("Y. Li") is too weak alone: it needs a cue
 * (a co-author or a category) before it matches anything.
 */

/** Surnames so common that an initial alone names thousands of authors on arXiv. */
const COMMON_SURNAMES = new Set(
  (
    "li wang zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng " +
    "liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye " +
    "cheng wei su lu ding ren shen yao lv lyu jin fan fu qian zou xiong bai meng qin qiu hou jia " +
    "kim lee park choi jung kang cho yoon jang lim nguyen tran le pham smith johnson brown " +
    "jones miller davis garcia wilson taylor singh kumar sharma gupta patel shah khan ali " +
    "tanaka sato suzuki takahashi watanabe ito yamamoto nakamura kobayashi muller mueller " +
    "schmidt schneider fischer weber meyer wagner becker hoffmann martin bernard dubois rossi"
  ).split(" "),
);

/** Lower case, accents and marks removed ("Müller" → "muller"), width folded. */
export function foldName(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .normalize("NFKC")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[øœæ]/g, (c) => (c === "ø" ? "o" : c === "œ" ? "oe" : "ae"))
    .replace(/ł/g, "l");
}

/** One name as tokens: given names (each with whether it was only an initial) and a surname. */
export interface NameParts {
  given: { text: string; initial: boolean }[];
  surname: string;
}

/** Name tokens: words split on spaces, dots and commas; hyphenated parts kept together. */
function tokens(text: string): { words: string[]; initials: boolean[]; comma: boolean } {
  const folded = foldName(text);
  const comma = /,/.test(folded);
  const words: string[] = [];
  const initials: boolean[] = [];
  for (const raw of folded.split(/[\s,]+/)) {
    // "Y." and "Y" are initials; "Y.H." is two.
    const dotted = raw.split(".").filter(Boolean);
    const isInitials = raw.includes(".") && dotted.every((d) => d.replace(/-/g, "").length <= 2);
    for (const part of isInitials ? dotted : [raw.replace(/\./g, "")]) {
      const word = part.replace(/[^\p{L}\p{N}-]/gu, "").replace(/^-+|-+$/g, "");
      if (!word) continue;
      words.push(word.replace(/-/g, ""));
      initials.push(isInitials || word.length === 1);
    }
  }
  return { words, initials, comma };
}

/** Parses a name as written on arXiv: "Given Names Surname", or "Surname, Given" with a comma. */
export function parseName(text: string): NameParts | null {
  const { words, initials, comma } = tokens(text);
  if (words.length === 0) return null;
  if (comma && words.length > 1) {
    const [surname = "", ...rest] = words;
    return {
      surname,
      given: rest.map((w, i) => ({ text: w, initial: initials[i + 1] ?? false })),
    };
  }
  const surname = words.at(-1) ?? "";
  return {
    surname,
    given: words.slice(0, -1).map((w, i) => ({ text: w, initial: initials[i] ?? false })),
  };
}

/** The readings of what a user typed: as written, and surname first (the Chinese habit). */
function readings(text: string): NameParts[] {
  const first = parseName(text);
  if (!first) return [];
  const { words, initials, comma } = tokens(text);
  if (comma || words.length < 2) return [first];
  const [surname = "", ...rest] = words;
  if (initials[0]) return [first]; // "Y. Li" is never surname-first
  const flipped: NameParts = {
    surname,
    given: rest.map((w, i) => ({ text: w, initial: initials[i + 1] ?? false })),
  };
  return [first, flipped];
}

/** How well a given-name list agrees with another: null when they disagree. */
function givenAgreement(
  follow: NameParts["given"],
  author: NameParts["given"],
): "full" | "initial" | null {
  if (follow.length === 0) return "initial"; // a surname alone is as weak as an initial
  // A paper may list a middle name the follower left out ("Yuhong K. Li"), not the reverse.
  if (author.length < follow.length) {
    // "Yu-Hong" typed as "Yu Hong" against "Yuhong": compare the names run together.
    const joined = follow.map((g) => g.text).join("");
    const other = author.map((g) => g.text).join("");
    if (author.length === 1 && !author[0]?.initial && joined === other) return "full";
    if (author.length === 1 && author[0]?.initial && joined.startsWith(other)) return "initial";
    return null;
  }
  let weak = false;
  for (let i = 0; i < follow.length; i++) {
    const f = follow[i];
    const a = author[i];
    if (!f || !a) return null;
    if (f.initial || a.initial) {
      if (f.text[0] !== a.text[0]) return null;
      weak = true;
    } else if (f.text !== a.text) {
      return null;
    }
  }
  return weak ? "initial" : "full";
}

/** A followed author: the readings of the name and the cues that narrow it. */
export interface AuthorFollow {
  /** as stored and shown, e.g. "Y. Li | cs.CV" */
  value: string;
  name: string;
  readings: NameParts[];
  /** arXiv categories the paper must be in, one of them */
  categories: string[];
  /** co-authors, one of whom must be on the paper */
  coauthors: NameParts[][];
  /** a bare initial (or no given name) with a common surname, and no cue: matches nothing */
  needsCue: boolean;
}

const CATEGORY = /^[a-z-]+(\.[a-z-]+)?$/i;

/** Separators between a name and its cues: "|", "｜", "+" or " with ". */
const CUE_SEPARATOR = /\s*[|｜+]\s*|\s+with\s+/i;

/** The display form of a follow: the name and cues, single-spaced, joined by " | ". */
export function followValue(input: string): string {
  return input
    .normalize("NFKC")
    .split(CUE_SEPARATOR)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join(" | ");
}

/** Parses a stored follow value. */
export function parseFollow(value: string): AuthorFollow | null {
  const [name = "", ...cues] = value.split(" | ");
  const parsed = readings(name);
  const main = parsed[0];
  if (!main) return null;
  const categories = cues.filter((c) => CATEGORY.test(c) && c.includes("."));
  const coauthors = cues.filter((c) => !categories.includes(c)).map(readings);
  const weak = main.given.length === 0 || main.given.every((g) => g.initial);
  const common = parsed.some((r) => COMMON_SURNAMES.has(r.surname));
  return {
    value,
    name,
    readings: parsed,
    categories,
    coauthors,
    needsCue: weak && common && categories.length === 0 && coauthors.length === 0,
  };
}

function nameMatches(readingsOf: NameParts[], author: NameParts): "full" | "initial" | null {
  let best: "full" | "initial" | null = null;
  for (const r of readingsOf) {
    if (r.surname !== author.surname) continue;
    const agreement = givenAgreement(r.given, author.given);
    if (agreement === "full") return "full";
    if (agreement) best = agreement;
  }
  return best;
}

/** What a paper offers to match against: its authors (parsed once) and categories. */
export interface AuthoredPaper {
  authors: NameParts[];
  categories: readonly string[];
}

export function authoredPaper(
  authors: readonly { name: string }[],
  categories: readonly string[],
): AuthoredPaper {
  return {
    authors: authors.flatMap((a) => {
      const parsed = parseName(a.name);
      return parsed ? [parsed] : [];
    }),
    categories,
  };
}

/**
 * Whether a paper is by the followed author. A full match pins; a match through an initial
 * (on either side) pins only when the surname is not common or a cue holds.
 */
export function followMatches(follow: AuthorFollow, paper: AuthoredPaper): boolean {
  if (follow.needsCue) return false;
  const cueHolds = (): boolean => {
    const noCue = follow.categories.length === 0 && follow.coauthors.length === 0;
    if (noCue) return false;
    const category =
      follow.categories.length === 0 ||
      follow.categories.some((c) =>
        paper.categories.some((p) => p.toLowerCase() === c.toLowerCase()),
      );
    const coauthor =
      follow.coauthors.length === 0 ||
      follow.coauthors.some((co) => paper.authors.some((a) => nameMatches(co, a) === "full"));
    return category && coauthor;
  };
  for (const author of paper.authors) {
    const agreement = nameMatches(follow.readings, author);
    if (!agreement) continue;
    const hasCues = follow.categories.length > 0 || follow.coauthors.length > 0;
    if (hasCues) {
      if (cueHolds()) return true;
      continue;
    }
    if (agreement === "full") return true;
    if (!COMMON_SURNAMES.has(author.surname)) return true;
  }
  return false;
}
