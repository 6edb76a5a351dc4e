/**
 * Reads arXiv's XML into validated Papers: the announcement feed (2024 format, RSS 2.0 and Atom
 * flavours) and the API's Atom responses. Nothing downstream sees raw XML: every paper passes
 * PaperSchema, malformed XML is an ArxivParseError and the API's error entry an ArxivApiError.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ArxivApiError, ArxivParseError } from "./errors.ts";
import { InvalidPaperIdError, parsePaperId } from "./ids.ts";
import { type AnnounceType, AnnounceTypeSchema, type Paper, PaperSchema } from "./paper.ts";
import { collapseWhitespace, decodeEntities, findCodeUrl } from "./text.ts";

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

type Node = Record<string, unknown>;

const ARRAY_TAGS = new Set(["entry", "item", "author", "category", "link", "affiliation"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // arXiv's prefixes (arxiv:, dc:, opensearch:) are fixed in practice; matching local names
  // keeps us working if a response declares them differently.
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Entities are decoded by text() below, once, only in the fields we read, and the long
  // text fields are taken as raw text (stopNodes): less work on 2,000-entry pages, and no
  // DOCTYPE entity is ever expanded. XMLValidator still checks the whole document first.
  processEntities: false,
  stopNodes: ["*.title", "*.summary", "*.description"],
  jPath: false,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ARRAY_TAGS.has(name),
});

/** The decoded text of an element, whether it came as a string or as {#text, @_attrs}. */
function text(node: unknown): string {
  if (typeof node === "string") return decodeEntities(node);
  if (node && typeof node === "object" && "#text" in node) return text((node as Node)["#text"]);
  return "";
}

function optionalText(node: unknown): string | null {
  const t = collapseWhitespace(text(node));
  return t === "" ? null : t;
}

function list(node: unknown): unknown[] {
  if (node === undefined || node === null || node === "") return [];
  return Array.isArray(node) ? node : [node];
}

function attr(node: unknown, name: string): string {
  if (!node || typeof node !== "object") return "";
  const v = (node as Node)[`@_${name}`];
  return typeof v === "string" ? decodeEntities(v) : "";
}

function asNode(node: unknown): Node {
  return node && typeof node === "object" && !Array.isArray(node) ? (node as Node) : {};
}

function parseXml(xml: string, source: string | undefined): Node {
  const check = XMLValidator.validate(xml);
  if (check !== true) {
    throw new ArxivParseError(check.err.msg, check.err.line ?? null, source ?? null);
  }
  try {
    return asNode(parser.parse(xml));
  } catch (error) {
    throw new ArxivParseError(error instanceof Error ? error.message : String(error), null, source);
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
  raw: Node,
  format: "rss" | "atom",
  announceDate: string | null,
  where: string,
  source: string | undefined,
): FeedItem {
  const body = text(format === "rss" ? raw.description : raw.summary);
  const head = DESCRIPTION_HEAD.exec(body);
  const idText = text(format === "rss" ? raw.guid : raw.id) || head?.[1] || "";
  const { id, version } = idFrom(idText, where, source);
  const typeText = optionalText(raw.announce_type) ?? head?.[2] ?? "";
  const announceType = AnnounceTypeSchema.safeParse(typeText);
  if (!announceType.success) {
    throw new ArxivParseError(`${where}: unknown announce type "${typeText}"`, null, source);
  }
  const abstract = collapseWhitespace(head ? body.slice(head[0].length) : body);
  const categories = list(raw.category)
    .map((c) => (format === "rss" ? text(c) : attr(c, "term")).trim())
    .filter(Boolean);
  const authors = text(raw.creator)
    .split(",")
    .map((name) => collapseWhitespace(name))
    .filter(Boolean)
    .map((name) => ({ name, affiliations: [] }));
  const paper = validPaper(
    {
      id,
      version: version ?? 1,
      title: collapseWhitespace(text(raw.title)),
      abstract,
      authors,
      // the feed lists the primary category first
      primaryCategory: categories[0] ?? "",
      categories,
      comment: null,
      journalRef: optionalText(raw.journal_reference ?? raw.journal_ref),
      doi: optionalText(raw.DOI ?? raw.doi),
      published: null,
      updated: null,
      announceDate: announceDate ?? feedDay(text(raw.pubDate ?? raw.published)),
      announceType: announceType.data,
      codeUrl: findCodeUrl(abstract),
    },
    where,
    source,
  );
  return { ...paper, announceType: announceType.data };
}

/** The categories in the feed's own URL: .../rss/cs.CL+cs.CV → ["cs.CL", "cs.CV"]. */
function feedCategories(channel: Node): string[] {
  const urls = [text(channel.id), ...list(channel.link).map((l) => attr(l, "href") || text(l))];
  for (const url of urls) {
    const m = /\/(?:rss|atom)\/([\w.+-]+?)\/?$/.exec(url.trim());
    if (m) return (m[1] ?? "").split("+").filter(Boolean);
  }
  return [];
}

function readFeed(
  root: Node,
  format: "rss" | "atom",
  source: string | undefined,
): AnnouncementFeed {
  const channel = asNode(format === "rss" ? root.channel : root);
  const announceDate = feedDay(
    text(format === "rss" ? (channel.pubDate ?? channel.lastBuildDate) : channel.updated),
  );
  const rawItems = list(format === "rss" ? channel.item : channel.entry).map(asNode);
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
function apiEntry(raw: Node, where: string, source: string | undefined): Paper {
  const rawId = text(raw.id);
  if (rawId.includes("/api/errors") || (text(raw.title) === "Error" && !rawId.includes("/abs/"))) {
    throw new ArxivApiError(
      collapseWhitespace(text(raw.summary)) || "unknown error",
      rawId,
      source ?? null,
    );
  }
  const { id, version } = idFrom(rawId, where, source);
  const primary = attr(raw.primary_category, "term");
  const categories = [primary, ...list(raw.category).map((c) => attr(c, "term"))].filter(
    (c, i, all) => c !== "" && all.indexOf(c) === i,
  );
  const abstract = collapseWhitespace(text(raw.summary));
  const comment = optionalText(raw.comment);
  return validPaper(
    {
      id,
      version: version ?? 1,
      title: collapseWhitespace(text(raw.title)),
      abstract,
      authors: list(raw.author).map((a) => {
        const node = asNode(a);
        return {
          name: collapseWhitespace(text(node.name)),
          affiliations: list(node.affiliation)
            .map((x) => collapseWhitespace(text(x)))
            .filter(Boolean),
        };
      }),
      primaryCategory: primary || categories[0] || "",
      categories,
      comment,
      journalRef: optionalText(raw.journal_ref),
      doi: optionalText(raw.doi),
      published: optionalText(raw.published),
      updated: optionalText(raw.updated),
      announceDate: null,
      announceType: null,
      codeUrl: findCodeUrl(abstract, comment),
    },
    where,
    source,
  );
}

function count(node: unknown, fallback: number): number {
  const n = Number.parseInt(text(node), 10);
  return Number.isFinite(n) ? n : fallback;
}

function readApi(feed: Node, source: string | undefined): ApiPage {
  const papers = list(feed.entry).map((raw, i) => apiEntry(asNode(raw), `entry ${i + 1}`, source));
  return {
    totalResults: count(feed.totalResults, papers.length),
    startIndex: count(feed.startIndex, 0),
    itemsPerPage: count(feed.itemsPerPage, papers.length),
    papers,
  };
}

/**
 * Reads any arXiv XML we handle and says which it was: an announcement feed (RSS or Atom) or
 * an API response (Atom with opensearch counts). For `sudi ingest --file`, which takes either.
 */
export function parseArxivXml(xml: string, source?: string): ArxivDocument {
  const doc = parseXml(xml, source);
  if (doc.rss !== undefined) {
    return { kind: "feed", feed: readFeed(asNode(doc.rss), "rss", source) };
  }
  if (doc.feed !== undefined) {
    const feed = asNode(doc.feed);
    if (feed.totalResults !== undefined || text(feed.id).includes("/api/")) {
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
