/**
 * How often rule-based matching agrees with a human editor's chapter: the figure that tells
 * whether a change to data/topics.json made matching better or worse (bench/match.bench.ts,
 * test/topics-match.test.ts).
 */
import { z } from "zod";
import { type MatchablePaper, matchTopics } from "./match.ts";
import { CHAPTERS, type Chapter, ChapterSchema, loadTaxonomy, type Taxonomy } from "./taxonomy.ts";

/** A paper and the chapter an editor put it in. */
export interface EditedPaper {
  id: string;
  paper: MatchablePaper;
  chapter: Chapter;
}

/** A record of test/fixtures/papers.json (shared/fixtures' layout); `chapter` only on some. */
const FixtureRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  abstract: z.string(),
  primary_category: z.string(),
  categories: z.array(z.string()),
  chapter: ChapterSchema.nullish(),
});

/** The papers of a papers.json document that an editor put in a chapter. */
export function editedPapers(document: unknown): EditedPaper[] {
  return z
    .array(FixtureRecordSchema)
    .parse(document)
    .flatMap((p) =>
      p.chapter
        ? [
            {
              id: p.id,
              chapter: p.chapter,
              paper: {
                title: p.title,
                abstract: p.abstract,
                categories: p.categories,
                primaryCategory: p.primary_category,
              },
            },
          ]
        : [],
    );
}

export interface ChapterAgreement {
  chapter: Chapter | "overall";
  papers: number;
  /** papers whose best topic's chapter is the editor's */
  top1: number;
  /** papers whose editor's chapter is among the chapters of all matched topics */
  any: number;
}

/** Per chapter (digest order, chapters with papers only) and overall, last. */
export function measureAgreement(
  papers: readonly EditedPaper[],
  taxonomy: Taxonomy = loadTaxonomy(),
): ChapterAgreement[] {
  const rows = new Map<Chapter, ChapterAgreement>(
    CHAPTERS.map((chapter) => [chapter, { chapter, papers: 0, top1: 0, any: 0 }]),
  );
  const overall: ChapterAgreement = { chapter: "overall", papers: 0, top1: 0, any: 0 };
  for (const { paper, chapter } of papers) {
    const matches = matchTopics(paper, taxonomy);
    const top1 = matches[0]?.topic.chapter === chapter ? 1 : 0;
    const any = matches.some((m) => m.topic.chapter === chapter) ? 1 : 0;
    for (const row of [rows.get(chapter), overall]) {
      if (!row) continue;
      row.papers++;
      row.top1 += top1;
      row.any += any;
    }
  }
  return [...[...rows.values()].filter((r) => r.papers > 0), overall];
}
