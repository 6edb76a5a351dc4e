/**
 * Reads arXiv's XML into validated Papers: the announcement feed (2024 format, RSS 2.0 and Atom
 * flavours) and the API's Atom responses, read by the strict reader in xml.ts. Nothing
 * downstream sees raw XML: every paper passes PaperSchema, XML that is not well-formed is an
 * ArxivParseError (nothing of it is returned) and the API's error entry an ArxivApiError.
 */

import { type AnnounceType, AnnounceTypeSchema, type Paper, PaperSchema } from "../store/paper.ts";
import { ArxivApiError, ArxivParseError } from "./errors.ts";
import { InvalidPaperIdError, parsePaperId } from "./ids.ts";
import { collapseWhitespace, findCodeUrl } from "./text.ts";
import { readXml, type XmlElement, XmlSyntaxError } from "./xml.ts";

/** One announcement feed: the day it announces and its items, each with its announce type. */
export interface AnnouncementFeed {
  format: "rss" | "atom";
  /** arXiv's date for the announcement (YYYY-MM-DD), from the feed's own date */
  announceDate: string | null;
  /** the categories the feed covers, from its own URL (empty when it does not say) */
  categories: string[];
  items: FeedItem[];
}

/** A feed item: a Paper with the announcement that listed it. */
export type FeedItem = Paper & { announceType: AnnounceType };

/** One page of an API response. */
export interface ApiPage {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  papers: Paper[];
}

export type ArxivDocument =
  | { kind: "feed"; feed: AnnouncementFeed }
  | { kind: "api"; page: ApiPage };

/** The first child element called `name` (a local name), if there is one. */
function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** Every child element called `name`, in document order. */
function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** An element's text (entities already decoded by the reader); "" when it is absent. */
function text(element: XmlElement | undefined): string {
  return element?.text ?? "";
}

function optionalText(element: XmlElement | undefined): string | null {
  const t = collapseWhitespace(text(element));
  return t === "" ? null : t;
}

function attr(element: XmlElement | undefined, name: string): string {
  return element?.attrs.get(name) ?? "";
}

function parseXml(xml: string, source: string | undefined): XmlElement {
  try {
    return readXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) {
      throw new ArxivParseError(error.reason, error.line, source ?? null);
    }
    throw error;
  }
}

const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

/**
 * The calendar day a feed date names, in the feed's own offset (arXiv dates its feeds at
 * midnight US Eastern, so converting to UTC would give the day before).
 */
function feedDay(value: string): string | null {
  const iso = /^\s*(\d{4}-\d{2}-\d{2})/.exec(value);
  if (iso) return iso[1] ?? null;
  const rfc = /(\d{1,2})\s+([A-Z][a-z]{2})\s+(\d{4})/.exec(value);
  if (!rfc) return null;
  const month = MONTHS.indexOf(rfc[2] ?? "") + 1;
  if (month === 0) return null;
  return `${rfc[3]}-${String(month).padStart(2, "0")}-${(rfc[1] ?? "").padStart(2, "0")}`;
}

function validPaper(candidate: unknown, where: string, source: string | undefined): Paper {
  const result = PaperSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") ?? "";
    throw new ArxivParseError(`${where}: ${field} ${issue?.message ?? "invalid"}`, null, source);
  }
  return result.data;
}

function idFrom(raw: string, where: string, source: string | undefined) {
  const bare = raw.trim().replace(/^oai:arXiv\.org:/i, "");
  try {
    return parsePaperId(bare);
  } catch (error) {
    if (error instanceof InvalidPaperIdError) {
      throw new ArxivParseError(`${where}: not an arXiv id: ${raw}`, null, source);
    }
    throw error;
  }
}

const DESCRIPTION_HEAD = /^\s*arXiv:(\S+)\s+Announce Type:\s*([\w-]+)\s*(?:Abstract:)?\s*/;

/** An item of the 2024 feed; RSS and Atom carry the same fields under different names. */
function feedItem(
  raw: XmlElement,
  format: "rss" | "atom",
  announceDate: string | null,
  where: string,
  source: string | undefined,
): FeedItem {
  const body = text(child(raw, format === "rss" ? "description" : "summary"));
  const head = DESCRIPTION_HEAD.exec(body);
  const idText = text(child(raw, format === "rss" ? "guid" : "id")) || head?.[1] || "";
  const { id, version } = idFrom(idText, where, source);
  const typeText = optionalText(child(raw, "announce_type")) ?? head?.[2] ?? "";
  const announceType = AnnounceTypeSchema.safeParse(typeText);
  if (!announceType.success) {
    throw new ArxivParseError(`${where}: unknown announce type "${typeText}"`, null, source);
  }
  const abstract = collapseWhitespace(head ? body.slice(head[0].length) : body);
  const categories = children(raw, "category")
    .map((c) => (format === "rss" ? text(c) : attr(c, "term")).trim())
    .filter(Boolean);
  const authors = text(child(raw, "creator"))
    .split(",")
    .map((name) => collapseWhitespace(name))
    .filter(Boolean)
    .map((name) => ({ name, affiliations: [] }));
  const paper = validPaper(
    {
      id,
      version: version ?? 1,
      title: collapseWhitespace(text(child(raw, "title"))),
      abstract,
      authors,
      // the feed lists the primary category first
      primaryCategory: categories[0] ?? "",
      categories,
      comment: null,
      journalRef: optionalText(child(raw, "journal_reference") ?? child(raw, "journal_ref")),
      doi: optionalText(child(raw, "DOI") ?? child(raw, "doi")),
      published: null,
      updated: null,
      announceDate: announceDate ?? feedDay(text(child(raw, "pubDate") ?? child(raw, "published"))),
      announceType: announceType.data,
      codeUrl: findCodeUrl(abstract),
    },
    where,
    source,
  );
  return { ...paper, announceType: announceType.data };
}

/** The categories in the feed's own URL: .../rss/cs.CL+cs.CV → ["cs.CL", "cs.CV"]. */
function feedCategories(channel: XmlElement | undefined): string[] {
  const urls = [
    text(child(channel, "id")),
    ...children(channel, "link").map((l) => attr(l, "href") || text(l)),
  ];
  for (const url of urls) {
    const m = /\/(?:rss|atom)\/([\w.+-]+?)\/?$/.exec(url.trim());
    if (m) return (m[1] ?? "").split("+").filter(Boolean);
  }
  return [];
}

function readFeed(
  root: XmlElement,
  format: "rss" | "atom",
  source: string | undefined,
): AnnouncementFeed {
  const channel = format === "rss" ? child(root, "channel") : root;
  const announceDate = feedDay(
    text(
      format === "rss"
        ? (child(channel, "pubDate") ?? child(channel, "lastBuildDate"))
        : child(channel, "updated"),
    ),
  );
  const rawItems = children(channel, format === "rss" ? "item" : "entry");
  const items = rawItems.map((raw, i) =>
    feedItem(raw, format, announceDate, `item ${i + 1}`, source),
  );
  return {
    format,
    announceDate: announceDate ?? items[0]?.announceDate ?? null,
    categories: feedCategories(channel),
    items,
  };
}

/** An API entry; the error entry (title "Error", id .../api/errors#...) throws ArxivApiError. */
function apiEntry(raw: XmlElement, where: string, source: string | undefined): Paper {
  const rawId = text(child(raw, "id"));
  const title = text(child(raw, "title"));
  const summary = text(child(raw, "summary"));
  if (rawId.includes("/api/errors") || (title === "Error" && !rawId.includes("/abs/"))) {
    throw new ArxivApiError(collapseWhitespace(summary) || "unknown error", rawId, source ?? null);
  }
  const { id, version } = idFrom(rawId, where, source);
  const primary = attr(child(raw, "primary_category"), "term");
  const categories = [primary, ...children(raw, "category").map((c) => attr(c, "term"))].filter(
    (c, i, all) => c !== "" && all.indexOf(c) === i,
  );
  const abstract = collapseWhitespace(summary);
  const comment = optionalText(child(raw, "comment"));
  return validPaper(
    {
      id,
      version: version ?? 1,
      title: collapseWhitespace(title),
      abstract,
      authors: children(raw, "author").map((author) => ({
        name: collapseWhitespace(text(child(author, "name"))),
        affiliations: children(author, "affiliation")
          .map((x) => collapseWhitespace(text(x)))
          .filter(Boolean),
      })),
      primaryCategory: primary || categories[0] || "",
      categories,
      comment,
      journalRef: optionalText(child(raw, "journal_ref")),
      doi: optionalText(child(raw, "doi")),
      published: optionalText(child(raw, "published")),
      updated: optionalText(child(raw, "updated")),
      announceDate: null,
      announceType: null,
      codeUrl: findCodeUrl(abstract, comment),
    },
    where,
    source,
  );
}

function count(element: XmlElement | undefined, fallback: number): number {
  const n = Number.parseInt(text(element), 10);
  return Number.isFinite(n) ? n : fallback;
}

function readApi(feed: XmlElement, source: string | undefined): ApiPage {
  const papers = children(feed, "entry").map((raw, i) => apiEntry(raw, `entry ${i + 1}`, source));
  return {
    totalResults: count(child(feed, "totalResults"), papers.length),
    startIndex: count(child(feed, "startIndex"), 0),
    itemsPerPage: count(child(feed, "itemsPerPage"), papers.length),
    papers,
  };
}

/**
 * Reads any arXiv XML we handle and says which it was: an announcement feed (RSS or Atom) or
 * an API response (Atom with opensearch counts). For `sudi ingest --file`, which takes either.
 */
export function parseArxivXml(xml: string, source?: string): ArxivDocument {
  const root = parseXml(xml, source);
  if (root.name === "rss") {
    return { kind: "feed", feed: readFeed(root, "rss", source) };
  }
  if (root.name === "feed") {
    const feed = root;
    if (child(feed, "totalResults") !== undefined || text(child(feed, "id")).includes("/api/")) {
      return { kind: "api", page: readApi(feed, source) };
    }
    return { kind: "feed", feed: readFeed(feed, "atom", source) };
  }
  throw new ArxivParseError("neither an arXiv feed (rss/feed) nor an API response", null, source);
}

/** Reads an announcement feed; an API response here is an ArxivParseError. */
export function parseFeed(xml: string, source?: string): AnnouncementFeed {
  const doc = parseArxivXml(xml, source);
  if (doc.kind !== "feed") throw new ArxivParseError("expected an announcement feed", null, source);
  return doc.feed;
}

/** Reads an API response; a feed here is an ArxivParseError, an error entry an ArxivApiError. */
export function parseApiResponse(xml: string, source?: string): ApiPage {
  const doc = parseArxivXml(xml, source);
  if (doc.kind !== "api") throw new ArxivParseError("expected an arXiv API response", null, source);
  return doc.page;
}
