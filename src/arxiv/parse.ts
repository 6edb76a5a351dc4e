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
import { NS, readXml, type XmlElement, XmlSyntaxError } from "./xml.ts";

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

/** The first child element `name` of namespace `ns`, if there is one. */
function child(element: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name && c.ns === ns);
}

/** Every child element `name` of namespace `ns`, in document order. */
function children(element: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name && c.ns === ns) : [];
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
  // RSS 2.0's own elements are in no namespace, the Atom feed's in Atom's.
  const main = format === "rss" ? NS.none : NS.atom;
  const body = text(child(raw, main, format === "rss" ? "description" : "summary"));
  const head = DESCRIPTION_HEAD.exec(body);
  const idText = text(child(raw, main, format === "rss" ? "guid" : "id")) || head?.[1] || "";
  const { id, version } = idFrom(idText, where, source);
  const typeText = optionalText(child(raw, NS.arxiv, "announce_type")) ?? head?.[2] ?? "";
  const announceType = AnnounceTypeSchema.safeParse(typeText);
  if (!announceType.success) {
    throw new ArxivParseError(`${where}: unknown announce type "${typeText}"`, null, source);
  }
  const abstract = collapseWhitespace(head ? body.slice(head[0].length) : body);
  const categories = children(raw, main, "category")
    .map((c) => (format === "rss" ? text(c) : attr(c, "term")).trim())
    .filter(Boolean);
  const authors = text(child(raw, NS.dc, "creator"))
    .split(",")
    .map((name) => collapseWhitespace(name))
    .filter(Boolean)
    .map((name) => ({ name, affiliations: [] }));
  const paper = validPaper(
    {
      id,
      version: version ?? 1,
      title: collapseWhitespace(text(child(raw, main, "title"))),
      abstract,
      authors,
      // the feed lists the primary category first
      primaryCategory: categories[0] ?? "",
      categories,
      comment: null,
      journalRef: optionalText(
        child(raw, NS.arxiv, "journal_reference") ?? child(raw, NS.arxiv, "journal_ref"),
      ),
      doi: optionalText(child(raw, NS.arxiv, "DOI") ?? child(raw, NS.arxiv, "doi")),
      published: null,
      updated: null,
      announceDate:
        announceDate ?? feedDay(text(child(raw, main, "pubDate") ?? child(raw, main, "published"))),
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
    text(child(channel, NS.atom, "id")),
    ...[...children(channel, NS.none, "link"), ...children(channel, NS.atom, "link")].map(
      (l) => attr(l, "href") || text(l),
    ),
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
  const channel = format === "rss" ? child(root, NS.none, "channel") : root;
  const announceDate = feedDay(
    text(
      format === "rss"
        ? (child(channel, NS.none, "pubDate") ?? child(channel, NS.none, "lastBuildDate"))
        : child(channel, NS.atom, "updated"),
    ),
  );
  const rawItems =
    format === "rss" ? children(channel, NS.none, "item") : children(channel, NS.atom, "entry");
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
  const rawId = text(child(raw, NS.atom, "id"));
  const title = text(child(raw, NS.atom, "title"));
  const summary = text(child(raw, NS.atom, "summary"));
  if (rawId.includes("/api/errors") || (title === "Error" && !rawId.includes("/abs/"))) {
    throw new ArxivApiError(collapseWhitespace(summary) || "unknown error", rawId, source ?? null);
  }
  const { id, version } = idFrom(rawId, where, source);
  const primary = attr(child(raw, NS.arxiv, "primary_category"), "term");
  const listed = children(raw, NS.atom, "category").map((c) => attr(c, "term"));
  const categories = [primary, ...listed].filter((c, i, all) => c !== "" && all.indexOf(c) === i);
  const abstract = collapseWhitespace(summary);
  const comment = optionalText(child(raw, NS.arxiv, "comment"));
  return validPaper(
    {
      id,
      version: version ?? 1,
      title: collapseWhitespace(title),
      abstract,
      authors: children(raw, NS.atom, "author").map((author) => ({
        name: collapseWhitespace(text(child(author, NS.atom, "name"))),
        affiliations: children(author, NS.arxiv, "affiliation")
          .map((x) => collapseWhitespace(text(x)))
          .filter(Boolean),
      })),
      primaryCategory: primary || categories[0] || "",
      categories,
      comment,
      journalRef: optionalText(child(raw, NS.arxiv, "journal_ref")),
      doi: optionalText(child(raw, NS.arxiv, "doi")),
      published: optionalText(child(raw, NS.atom, "published")),
      updated: optionalText(child(raw, NS.atom, "updated")),
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
  const entries = children(feed, NS.atom, "entry");
  const papers = entries.map((raw, i) => apiEntry(raw, `entry ${i + 1}`, source));
  return {
    totalResults: count(child(feed, NS.opensearch, "totalResults"), papers.length),
    startIndex: count(child(feed, NS.opensearch, "startIndex"), 0),
    itemsPerPage: count(child(feed, NS.opensearch, "itemsPerPage"), papers.length),
    papers,
  };
}

/**
 * Reads any arXiv XML we handle and says which it was: an announcement feed (RSS or Atom) or
 * an API response (Atom with opensearch counts). For `sudi ingest --file`, which takes either.
 */
export function parseArxivXml(xml: string, source?: string): ArxivDocument {
  const root = parseXml(xml, source);
  if (root.name === "rss" && root.ns === NS.none) {
    return { kind: "feed", feed: readFeed(root, "rss", source) };
  }
  if (root.name === "feed" && root.ns === NS.atom) {
    const feed = root;
    const api =
      child(feed, NS.opensearch, "totalResults") !== undefined ||
      text(child(feed, NS.atom, "id")).includes("/api/");
    if (api) {
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
