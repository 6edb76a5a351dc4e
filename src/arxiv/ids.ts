/**
 * arXiv identifiers as people type them: bare ids, `arXiv:` prefixes, abs/pdf URLs, `.pdf`
 * suffixes, old-style archive ids. Everything that reaches the store or a URL goes through
 * parsePaperId first, so a link is always built from a canonical id, never from user text.
 */

export interface ParsedPaperId {
  /** canonical id without version: 2404.14469 or hep-th/0101001 */
  id: string;
  /** the version the input named, or null when it named none */
  version: number | null;
}

/** Thrown for anything that is not an arXiv id; carries the input and the accepted forms. */
export class InvalidPaperIdError extends Error {
  /** Examples of every accepted form, for help texts (the chat layer prints them in Chinese). */
  static readonly ACCEPTED_FORMS: readonly string[] = [
    "2404.14469",
    "2404.14469v2",
    "arXiv:2404.14469",
    "https://arxiv.org/abs/2404.14469",
    "https://arxiv.org/pdf/2404.14469v1",
    "2404.14469.pdf",
    "hep-th/0101001",
    "hep-th/0101001v2",
  ];

  constructor(readonly input: string) {
    const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
    super(
      `not an arXiv id: ${JSON.stringify(shown)}; accepted forms: ${InvalidPaperIdError.ACCEPTED_FORMS.join(", ")}`,
    );
    this.name = "InvalidPaperIdError";
  }
}

// YYMM.NNNN (April 2007 to December 2014) or YYMM.NNNNN (from January 2015).
const NEW_STYLE = /^(\d{2})(\d{2})\.(\d{4,5})$/;
// archive[.SUBJECT-CLASS]/YYMMNNN, e.g. hep-th/0101001, math.GT/0309136, cond-mat/9901001.
const OLD_STYLE = /^([a-z]+(?:-[a-z]+)*)(\.[A-Z]{2})?\/(\d{2})(\d{2})(\d{3})$/;
const URL_PREFIX = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i;
const ARXIV_PREFIX = /^arxiv:\s*/i;

function validMonth(mm: string): boolean {
  const m = Number(mm);
  return m >= 1 && m <= 12;
}

function isNewStyle(id: string): boolean {
  const m = NEW_STYLE.exec(id);
  if (!m) return false;
  const [, yy = "", mm = "", seq = ""] = m;
  if (!validMonth(mm)) return false;
  const yymm = Number(yy + mm);
  // Four-digit sequence numbers ran from 0704 to 1412, five-digit ones from 1501 on.
  return seq.length === 4 ? yymm >= 704 && yymm <= 1412 : yymm >= 1501;
}

function isOldStyle(id: string): boolean {
  const m = OLD_STYLE.exec(id);
  return m !== null && validMonth(m[4] ?? "");
}

/**
 * Normalises what a user may type as a paper id. Throws InvalidPaperIdError for anything else.
 *
 * parsePaperId("https://arxiv.org/pdf/2404.14469v1.pdf") → { id: "2404.14469", version: 1 }
 */
export function parsePaperId(input: string): ParsedPaperId {
  let s = input.trim();
  if (URL_PREFIX.test(s)) {
    s = s
      .replace(URL_PREFIX, "")
      .replace(/[?#].*$/, "")
      .replace(/\/+$/, "");
  } else {
    s = s.replace(ARXIV_PREFIX, "");
  }
  s = s.replace(/\.pdf$/i, "");
  const versioned = /^(.*?)v(\d+)$/.exec(s);
  const bare = versioned ? (versioned[1] ?? "") : s;
  const version = versioned ? Number(versioned[2]) : null;
  if (version !== null && (version < 1 || !Number.isSafeInteger(version))) {
    throw new InvalidPaperIdError(input);
  }
  if (!isNewStyle(bare) && !isOldStyle(bare)) throw new InvalidPaperIdError(input);
  return { id: bare, version };
}
