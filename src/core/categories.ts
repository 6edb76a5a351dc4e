/**
 * The real arXiv archives and categories (arxiv.org/category_taxonomy), so `/subscribe cs.CV`
 * is accepted and `/subscribe cs.XY` is refused instead of silently matching nothing.
 */

/** Archives: an archive alone (astro-ph, cs) stands for every category under it. */
export const ARXIV_ARCHIVES = [
  "astro-ph",
  "cond-mat",
  "cs",
  "econ",
  "eess",
  "gr-qc",
  "hep-ex",
  "hep-lat",
  "hep-ph",
  "hep-th",
  "math",
  "math-ph",
  "nlin",
  "nucl-ex",
  "nucl-th",
  "physics",
  "q-bio",
  "q-fin",
  "quant-ph",
  "stat",
] as const;

const SUBJECTS: Record<string, string[]> = {
  "astro-ph": ["CO", "EP", "GA", "HE", "IM", "SR"],
  "cond-mat": [
    "dis-nn",
    "mes-hall",
    "mtrl-sci",
    "other",
    "quant-gas",
    "soft",
    "stat-mech",
    "str-el",
    "supr-con",
  ],
  cs: (
    "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI " +
    "OH OS PF PL RO SC SD SE SI SY"
  ).split(" "),
  econ: ["EM", "GN", "TH"],
  eess: ["AS", "IV", "SP", "SY"],
  math: (
    "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG " +
    "SP ST"
  ).split(" "),
  nlin: ["AO", "CD", "CG", "PS", "SI"],
  physics: (
    "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn " +
    "gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph"
  ).split(" "),
  "q-bio": ["BM", "CB", "GN", "MN", "NC", "OT", "PE", "QM", "SC", "TO"],
  "q-fin": ["CP", "EC", "GN", "MF", "PM", "PR", "RM", "ST", "TR"],
  stat: ["AP", "CO", "ME", "ML", "OT", "TH"],
};

/** Every category in arXiv's canonical spelling (cs.CV, cond-mat.mes-hall, hep-th), archives included. */
export const ARXIV_CATEGORIES: readonly string[] = [
  ...ARXIV_ARCHIVES,
  ...Object.entries(SUBJECTS).flatMap(([archive, subjects]) =>
    subjects.map((s) => `${archive}.${s}`),
  ),
];

const byLowerCase = new Map(ARXIV_CATEGORIES.map((c) => [c.toLowerCase(), c]));
const archives = new Set<string>(ARXIV_ARCHIVES);

/** The canonical spelling of a category typed in any case ("CS.cv" → "cs.CV"), or undefined. */
export function canonicalCategory(input: string): string | undefined {
  return byLowerCase.get(input.trim().toLowerCase());
}

/** True when the text has the shape of a category of a known archive, real or not ("cs.XY"). */
export function looksLikeCategory(input: string): boolean {
  const dot = input.indexOf(".");
  return dot > 0 && archives.has(input.slice(0, dot).toLowerCase());
}

/**
 * Whether a paper listed in `paperCategories` falls under `category`: the same category, or
 * any category of an archive (`cs` covers cs.CV; `astro-ph` covers astro-ph.GA).
 */
export function inCategory(paperCategories: readonly string[], category: string): boolean {
  const wanted = category.toLowerCase();
  const prefix = archives.has(wanted) ? `${wanted}.` : undefined;
  return paperCategories.some((c) => {
    const have = c.toLowerCase();
    return have === wanted || (prefix !== undefined && have.startsWith(prefix));
  });
}
