/**
 * The Paper: one arXiv article as sudi stores it. Every parser (feed, API) produces this shape,
 * validated with zod, so nothing downstream sees raw XML.
 */
import { z } from "zod";

export const AuthorSchema = z.object({
  name: z.string().min(1),
  affiliations: z.array(z.string()).default([]),
});
export type Author = z.infer<typeof AuthorSchema>;

/** How an announcement listed the paper. Only `new` and `cross` are ever posted. */
export const AnnounceTypeSchema = z.enum(["new", "cross", "replace", "replace-cross"]);
export type AnnounceType = z.infer<typeof AnnounceTypeSchema>;

/** YYYY-MM-DD */
export const IsoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const PaperSchema = z.object({
  /** arXiv id without version: 2404.14469 or hep-th/0101001 */
  id: z.string().min(1),
  version: z.number().int().positive(),
  /** line wrapping collapsed, entities decoded; may still hold LaTeX and `<`, escape on output */
  title: z.string(),
  abstract: z.string(),
  authors: z.array(AuthorSchema),
  primaryCategory: z.string(),
  categories: z.array(z.string()),
  comment: z.string().nullable(),
  journalRef: z.string().nullable(),
  doi: z.string().nullable(),
  /** ISO timestamps of v1 and of this version, when known */
  published: z.string().nullable(),
  updated: z.string().nullable(),
  /** the announcement day (arXiv's date, YYYY-MM-DD) that first listed the paper */
  announceDate: IsoDateSchema.nullable(),
  announceType: AnnounceTypeSchema.nullable(),
  /** a github / gitlab / huggingface / project page URL from the abstract or comment */
  codeUrl: z.string().nullable(),
});
export type Paper = z.infer<typeof PaperSchema>;

/** Links are always built from the id, never taken from metadata. */
export function absUrl(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}
export function pdfUrl(id: string): string {
  return `https://arxiv.org/pdf/${id}`;
}
