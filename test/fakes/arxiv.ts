/**
 * A local fake of arXiv, speaking its real formats over HTTP on 127.0.0.1 (port 0), for tests
 * of anything that ingests. It serves:
 *
 * - the announcement feed: `GET /rss/<cats>` (RSS 2.0) and `GET /atom/<cats>` (Atom), the
 *   2024 format, from test/fixtures/arxiv by default (the categories in the path are ignored);
 * - the API: `GET /api/query?id_list=...` and `?search_query=...` with `start`/`max_results`,
 *   built from a pool of real `<entry>` blocks (by default every entry of the fixture API
 *   files); `search_query` honours `cat:X OR cat:Y` and `submittedDate:[A TO B]`; a malformed
 *   id in id_list gets arXiv's error feed with HTTP 400, as the real API does.
 *
 * Every request is recorded (with a high-resolution timestamp, to measure spacing), and faults
 * can be queued for the next N requests: HTTP statuses with Retry-After, delays, malformed
 * bodies, empty feeds, the API's error entry, dropped connections.
 *
 *   const arxiv = await startFakeArxiv();
 *   const client = new ArxivClient({ apiUrl: arxiv.apiUrl, rssUrl: arxiv.rssUrl, minIntervalMs: 50 });
 *   arxiv.inject({ kind: "status", status: 503, retryAfter: "1" }, { times: 2 });
 *   ...
 *   await arxiv.close();
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Clock } from "../../src/core/clock.ts";

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/arxiv");

/** Reads a file of test/fixtures/arxiv. */
export function arxivFixture(name: string): string {
  return readFileSync(join(FIXTURES_DIR, name), "utf8");
}

export const FEED_RSS_2024_04_24 = "feed-2024-04-24-cs.CL+cs.CV+cs.LG.rss.xml";
export const FEED_ATOM_2024_04_24 = "feed-2024-04-24-cs.CL+cs.CV+cs.LG.atom.xml";
export const FEED_ATOM_2024_04_25 = "feed-2024-04-25-cs.CL+cs.CV+cs.LG.atom.xml";
export const API_FILES = ["api-id_list.xml", "api-search-cs.CL.xml"];

/** What the next matching request(s) get instead of the normal answer. */
export type ArxivFault =
  /** this status (and Retry-After header, and body) instead of the answer */
  | { kind: "status"; status: number; retryAfter?: string; body?: string }
  /** the normal answer, after `ms` */
  | { kind: "delay"; ms: number }
  /** the normal answer cut in the middle of an element: not well-formed XML */
  | { kind: "malformed" }
  /** the feed with its channel but no items, as arXiv serves on days without announcements */
  | { kind: "emptyFeed" }
  /** the API's error feed (an entry titled "Error"), HTTP 400 */
  | { kind: "errorEntry"; message?: string }
  /** the connection is dropped without an answer */
  | { kind: "reset" };

export type ArxivEndpoint = "feed" | "api" | "html" | "pdf";

export interface FakeArxivRequest {
  /** when the request arrived: performance.now(), or the `clock`'s time when one is given */
  at: number;
  endpoint: ArxivEndpoint | "other";
  method: string;
  path: string;
  query: Record<string, string>;
  userAgent: string | undefined;
  /** the status answered (0 when the connection was dropped) */
  status: number;
}

export interface FakeArxivOptions {
  /** RSS feed XML; default the 2024-04-24 RSS fixture */
  rss?: string;
  /** Atom feed XML; default the 2024-04-24 Atom fixture */
  atom?: string;
  /** API response documents whose entries make the pool; default the fixture API files */
  apiDocuments?: string[];
  /**
   * the time requests are stamped with and delays are waited on (a test's ManualClock, shared
   * with the client); default real time
   */
  clock?: Clock;
}

export interface FakeArxiv {
  /** http://127.0.0.1:port */
  url: string;
  /** for ARXIV_API_URL */
  apiUrl: string;
  /** for ARXIV_RSS_URL (RSS flavour) */
  rssUrl: string;
  /** for ARXIV_RSS_URL (Atom flavour) */
  atomUrl: string;
  /** for ARXIV_HTML_URL: `/html/<id>v<N>` serves what setDocument put there, else 404 */
  htmlUrl: string;
  /** for ARXIV_PDF_URL: `/pdf/<id>v<N>` likewise */
  pdfUrl: string;
  /** serves `body` at /html/<idv> or /pdf/<idv> (e.g. "2404.14469v1"); null removes it */
  setDocument(kind: "html" | "pdf", idWithVersion: string, body: string | Uint8Array | null): void;
  /** every request so far, in arrival order */
  requests: FakeArxivRequest[];
  /**
   * Queues `fault` for the next `times` (default 1) requests to `on`: by default any endpoint,
   * except emptyFeed (feed) and errorEntry (api). Faults are used in the order queued.
   */
  inject(fault: ArxivFault, options?: { times?: number; on?: ArxivEndpoint }): void;
  /** replaces the feed served in one flavour */
  setFeed(format: "rss" | "atom", xml: string): void;
  /** adds (or, for an id already there, replaces) the entries of API documents to the pool */
  addApiDocuments(...xml: string[]): void;
  close(): Promise<void>;
}

interface PoolEntry {
  id: string;
  xml: string;
  categories: string[];
  /** submission time, ISO (UTC) */
  published: string;
  /** the same as YYYYMMDDHHMM, as submittedDate compares it */
  submitted: string;
}

interface QueuedFault {
  fault: ArxivFault;
  on: ArxivEndpoint | undefined;
}

const ENTRY = /<entry>[\s\S]*?<\/entry>/g;
const VALID_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

function poolEntry(xml: string): PoolEntry | null {
  const id = /<id>https?:\/\/arxiv\.org\/abs\/(.+?)(?:v\d+)?<\/id>/.exec(xml)?.[1];
  if (!id) return null;
  const categories = [...xml.matchAll(/<category term="([^"]+)"/g)].map((m) => m[1] ?? "");
  const published = /<published>([^<]+)<\/published>/.exec(xml)?.[1] ?? "";
  return {
    id,
    xml,
    categories,
    published,
    submitted: published.slice(0, 16).replace(/[-T:]/g, ""),
  };
}

function apiDocument(entries: string[], total: number, start: number, query: string): string {
  const esc = query.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?${encodeURIComponent(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: ${esc}</title>
  <id>http://arxiv.org/api/fake${start}</id>
  <updated>2024-04-24T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${start}</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${entries.length}</opensearch:itemsPerPage>
  ${entries.join("\n  ")}
</feed>
`;
}

/** Faults that only make sense on one endpoint go there unless told otherwise. */
function defaultEndpoint(fault: ArxivFault): ArxivEndpoint | undefined {
  if (fault.kind === "emptyFeed") return "feed";
  if (fault.kind === "errorEntry") return "api";
  return undefined;
}

/** arXiv's error feed, as it answers a malformed id. */
export function apiErrorDocument(message: string): string {
  const slug = message.replace(/\W+/g, "_");
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: error</title>
  <id>http://arxiv.org/api/error</id>
  <updated>2024-04-24T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/api/errors#${slug}</id>
    <title>Error</title>
    <summary>${message.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</summary>
    <updated>2024-04-24T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#${slug}" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
`;
}

/** A feed with every item removed: what arXiv serves when nothing was announced. */
export function emptyFeed(xml: string): string {
  return xml.replace(/\s*<item>[\s\S]*?<\/item>/g, "").replace(/\s*<entry>[\s\S]*?<\/entry>/g, "");
}

/** Cuts XML inside an element, as a dropped transfer or a broken proxy would. */
export function truncateXml(xml: string): string {
  const cut = xml.indexOf("<title>", Math.floor(xml.length / 2));
  return xml.slice(0, cut > 0 ? cut + 12 : Math.floor(xml.length / 2));
}

export async function startFakeArxiv(options: FakeArxivOptions = {}): Promise<FakeArxiv> {
  const feeds = {
    rss: options.rss ?? arxivFixture(FEED_RSS_2024_04_24),
    atom: options.atom ?? arxivFixture(FEED_ATOM_2024_04_24),
  };
  const pool = new Map<string, PoolEntry>();
  const addApiDocuments = (...docs: string[]) => {
    for (const doc of docs) {
      for (const [xml] of doc.matchAll(ENTRY)) {
        const entry = poolEntry(xml);
        if (entry) pool.set(entry.id, entry);
      }
    }
  };
  addApiDocuments(...(options.apiDocuments ?? API_FILES.map(arxivFixture)));

  const faults: QueuedFault[] = [];
  const requests: FakeArxivRequest[] = [];
  const documents = new Map<string, string | Uint8Array>();

  const takeFault = (endpoint: ArxivEndpoint): ArxivFault | undefined => {
    const i = faults.findIndex((f) => f.on === undefined || f.on === endpoint);
    return i < 0 ? undefined : faults.splice(i, 1)[0]?.fault;
  };

  const answerApi = (query: Record<string, string>): { status: number; body: string } => {
    const start = Number(query.start ?? 0);
    const max = Number(query.max_results ?? 10);
    const raw = new URLSearchParams(query).toString();
    if (query.id_list) {
      const ids = query.id_list.split(",");
      const bad = ids.find((id) => !VALID_ID.test(id));
      if (bad) return { status: 400, body: apiErrorDocument(`incorrect id format for ${bad}`) };
      const found = ids
        .map((id) => pool.get(id.replace(/v\d+$/, "")))
        .filter((e): e is PoolEntry => e !== undefined);
      const page = found.slice(start, start + max);
      return {
        status: 200,
        body: apiDocument(
          page.map((e) => e.xml),
          found.length,
          start,
          raw,
        ),
      };
    }
    const search = query.search_query ?? "";
    const cats = [...search.matchAll(/cat:([\w.-]+)/g)].map((m) => m[1] ?? "");
    const window = /submittedDate:\[(\d{12}) TO (\d{12})\]/.exec(search);
    const matching = [...pool.values()]
      .filter((e) => cats.length === 0 || e.categories.some((c) => cats.includes(c)))
      .filter(
        (e) => !window || (e.submitted >= (window[1] ?? "") && e.submitted <= (window[2] ?? "")),
      )
      .sort((a, b) => a.published.localeCompare(b.published) || a.id.localeCompare(b.id));
    const page = matching.slice(start, start + max);
    return {
      status: 200,
      body: apiDocument(
        page.map((e) => e.xml),
        matching.length,
        start,
        raw,
      ),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = options.clock ? options.clock.now() : performance.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const query = Object.fromEntries(url.searchParams);
    const format = /^\/(rss|atom)\/[^/]+$/.exec(url.pathname)?.[1] as "rss" | "atom" | undefined;
    const docKind = /^\/(html|pdf)\/[^/]+$/.exec(url.pathname)?.[1] as "html" | "pdf" | undefined;
    const endpoint: FakeArxivRequest["endpoint"] = format
      ? "feed"
      : docKind
        ? docKind
        : url.pathname === "/api/query"
          ? "api"
          : "other";
    const record: FakeArxivRequest = {
      at,
      endpoint,
      method: req.method ?? "GET",
      path: url.pathname,
      query,
      userAgent: req.headers["user-agent"],
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      record.status = status;
      const type = format === "rss" ? "application/rss+xml" : "application/atom+xml";
      res.writeHead(status, { "content-type": `${type}; charset=utf-8`, ...headers });
      res.end(body);
    };
    if (endpoint === "other") return send(404, "not found");

    let fault = takeFault(endpoint);
    if (fault?.kind === "delay") {
      const ms = fault.ms;
      await (options.clock ? options.clock.sleep(ms) : new Promise((r) => setTimeout(r, ms)));
      fault = undefined;
    }
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "status") {
      const headers: Record<string, string> = fault.retryAfter
        ? { "retry-after": fault.retryAfter }
        : {};
      return send(fault.status, fault.body ?? `HTTP ${fault.status}`, headers);
    }
    if (fault?.kind === "errorEntry") {
      return send(400, apiErrorDocument(fault.message ?? "incorrect id format for not-an-id"));
    }
    if (docKind) {
      const doc = documents.get(url.pathname);
      if (doc === undefined) return send(404, "no such document");
      record.status = 200;
      res.writeHead(200, {
        "content-type": docKind === "pdf" ? "application/pdf" : "text/html; charset=utf-8",
        "content-length": String(Buffer.byteLength(doc)),
      });
      res.end(doc);
      return;
    }
    let answer: { status: number; body: string };
    if (format) {
      answer = {
        status: 200,
        body: fault?.kind === "emptyFeed" ? emptyFeed(feeds[format]) : feeds[format],
      };
    } else {
      answer = answerApi(query);
    }
    if (fault?.kind === "malformed") answer.body = truncateXml(answer.body);
    send(answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    apiUrl: `${url}/api/query`,
    rssUrl: `${url}/rss`,
    atomUrl: `${url}/atom`,
    htmlUrl: `${url}/html`,
    pdfUrl: `${url}/pdf`,
    setDocument(kind, idWithVersion, body) {
      const path = `/${kind}/${idWithVersion}`;
      if (body === null) documents.delete(path);
      else documents.set(path, body);
    },
    requests,
    inject(fault, { times = 1, on = defaultEndpoint(fault) } = {}) {
      for (let i = 0; i < times; i++) faults.push({ fault, on });
    },
    setFeed(format, xml) {
      feeds[format] = xml;
    },
    addApiDocuments,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
