/**
 * Combining two records of the same paper: the feed's item with the API's entry, or a stored
 * row with a fresh fetch. The newer version's text wins; what it lacks (the feed carries no
 * affiliations, comment or submission date) is kept from the other record. Merging a record
 * with itself gives the same record, which is what makes re-ingesting change nothing.
 */
import type { Author, Paper } from "./paper.ts";

function hasAffiliations(authors: Author[]): boolean {
  return authors.some((a) => a.affiliations.length > 0);
}

function sameNames(a: Author[], b: Author[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]?.name);
}

function richerAuthors(newer: Author[], older: Author[]): Author[] {
  if (newer.length === 0) return older;
  if (!hasAffiliations(newer) && hasAffiliations(older) && sameNames(newer, older)) return older;
  return newer;
}

/**
 * `base` and `other` describe the same paper id. The announcement fields come from `base`
 * when it has them (the first announcement is kept), otherwise from `other`.
 */
export function mergePaper(base: Paper, other: Paper): Paper {
  const [older, newer] = other.version >= base.version ? [base, other] : [other, base];
  const sameVersion = older.version === newer.version;
  return {
    ...newer,
    authors: richerAuthors(newer.authors, older.authors),
    primaryCategory: newer.primaryCategory || older.primaryCategory,
    categories: newer.categories.length > 0 ? newer.categories : older.categories,
    comment: newer.comment ?? older.comment,
    journalRef: newer.journalRef ?? older.journalRef,
    doi: newer.doi ?? older.doi,
    // v1's date does not change with versions; `updated` belongs to one version
    published: newer.published ?? older.published,
    updated: newer.updated ?? (sameVersion ? older.updated : null),
    codeUrl: newer.codeUrl ?? older.codeUrl,
    announceDate: base.announceDate ?? other.announceDate,
    announceType: base.announceType ?? other.announceType,
  };
}
