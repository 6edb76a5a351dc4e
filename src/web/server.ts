/**
 * The web archive: read-only pages of stored announcements, topics, papers, search and reports,
 * and Atom feeds per topic and per chat, served with Hono. Pages are rendered on the server
 * (no JavaScript needed), cached for a short while, and sent with a Content-Security-Policy
 * that allows no script at all. Every unknown path, id or token gets the same 404 page.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import { InvalidPaperIdError, parsePaperId } from "../arxiv/ids.ts";
import { RateLimiter } from "../commands/rate-limit.ts";
import type { RichMessage } from "../core/message.ts";
import { WEB } from "../core/texts/web.ts";
import { webLinks } from "../core/web-links.ts";
import type { DigestService } from "../digest/digest.ts";
import type { Logger } from "../log.ts";
import type { ArchiveStore } from "../store/archive.ts";
import type { CardStore } from "../store/cards.ts";
import type { Chat, ChatStore } from "../store/chats.ts";
import type { FeedTokenStore } from "../store/feeds.ts";
import type { PaperStore } from "../store/papers.ts";
import { MAX_QUERY_LENGTH, queryTerms, type SearchStore } from "../store/search.ts";
import type { SubscriptionStore } from "../store/subscriptions.ts";
import { loadTaxonomy, type Taxonomy, topicById } from "../topics/taxonomy.ts";
import { Archive, FEED_ENTRIES } from "./archive.ts";
import { atomFeed } from "./atom.ts";
import { etagOf, ResponseCache } from "./cache.ts";
import { clientAddress, parseTrustProxy } from "./client-ip.ts";
import { richMessageHtml } from "./html.ts";
import { type MailDeps, mailRoutes } from "./mail.ts";
import {
  chatReportPage,
  dayPage,
  daysPage,
  homePage,
  messagePage,
  notFoundPage,
  type PageContext,
  paperPage,
  reportPage,
  type SearchOutcome,
  searchPage,
  topicPage,
  topicsPage,
} from "./pages.ts";

/** A report period's page content, from src/reports (the hooks the report pages call). */
export interface ReportSource {
  /** the report over every topic; null when the period has none (the page is then a 404) */
  report(period: string): Promise<{ title: string; message: RichMessage } | null>;
  /** one chat's own report (its subscriptions, its format), for /chat/<token>/report/<period> */
  chatReport?(chat: Chat, period: string): Promise<{ title: string; message: RichMessage } | null>;
}

/** Deep-read cards (the full-text reading): shown on the paper page when one is cached. */
export interface DeepCardSource {
  /** the cached deep-read card of a paper, or null; never starts an LLM call */
  cached(paperId: string): RichMessage | null;
}

export interface WebDeps {
  papers: Pick<PaperStore, "get" | "latestAnnounceDate">;
  cards: Pick<CardStore, "bestMany">;
  digests: Pick<DigestService, "dayIndex">;
  search: Pick<SearchStore, "search">;
  archive: Pick<ArchiveStore, "recentDays" | "neighbours">;
  feeds: Pick<FeedTokenStore, "chatOf">;
  chats: Pick<ChatStore, "byId">;
  subscriptions: Pick<SubscriptionStore, "list">;
  log: Logger;
  taxonomy?: Taxonomy;
  /** SUDI_PUBLIC_URL: the feeds' absolute links; without it, the request's own origin */
  publicUrl?: string;
  /** SUDI_TRUST_PROXY */
  trustProxy?: string;
  reports?: ReportSource;
  deepCards?: DeepCardSource;
  /** email confirmation, unsubscribe and topics (the archive's only write actions) */
  mail?: MailDeps;
  /** ms clock for caches and the rate limit */
  now?: () => number;
  /** how long a rendered page is reused (default 30 s) */
  cacheTtlMs?: number;
  /** searches per client address a minute (default 30) */
  searchesPerMinute?: number;
}

/** Days a chat feed and a topic page look back over. */
const FEED_DAYS = 7;
const TOPIC_DAYS = 14;
const SEARCH_RESULTS = 20;
const CACHE_ENTRIES = 2000;

const STYLE = readFileSync(new URL("./static/style.css", import.meta.url), "utf8");
const STYLE_PATH = `/static/style-${etagOf(STYLE).slice(3, 13)}.css`;

/** Sent with every response: no script anywhere, styles only from our own stylesheet. */
const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
};

const HTML = "text/html; charset=utf-8";
const ATOM = "application/atom+xml; charset=utf-8";
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const PERIOD = /^\d{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4]\d|5[0-3]))$/;
const TOPIC_ID = /^[a-z0-9-]{1,64}$/;

type Rendered = { status?: number; body: string; type: string } | null;

export function createWebApp(deps: WebDeps): Hono {
  const taxonomy = deps.taxonomy ?? loadTaxonomy();
  const now = deps.now ?? Date.now;
  const archive = new Archive({ ...deps, now });
  const ctx: PageContext = { archive, taxonomy, links: webLinks(""), stylesheet: STYLE_PATH };
  const cache = new ResponseCache(CACHE_ENTRIES, deps.cacheTtlMs ?? 30_000, now);
  const limiter = new RateLimiter(deps.searchesPerMinute ?? 30, 60_000, now);
  const trust = parseTrustProxy(deps.trustProxy);
  const app = new Hono();

  const notFound = (c: Context) => c.html(notFoundPage(ctx), 404);

  /**
   * Serves from the cache, rendering on a miss; a null render is the 404 page (not cached).
   * A private page (a chat's own, behind its token) is kept out of shared caches and indexes.
   */
  const cached = (c: Context, key: string, render: () => Rendered, isPrivate = false) => {
    let entry = cache.get(key);
    if (!entry) {
      const rendered = render();
      if (!rendered) return notFound(c);
      entry = cache.set(key, {
        status: rendered.status ?? 200,
        body: rendered.body,
        type: rendered.type,
      });
    }
    if (c.req.header("if-none-match") === entry.etag) {
      return c.body(null, 304, { ETag: entry.etag, Vary: "Accept-Encoding" });
    }
    const headers: Record<string, string> = {
      "Content-Type": entry.type,
      ETag: entry.etag,
      "Cache-Control": isPrivate ? "private, no-cache" : "public, max-age=60",
      Vary: "Accept-Encoding",
      ...(isPrivate
        ? { "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer" }
        : {}),
    };
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      headers["Content-Encoding"] = "gzip";
      return c.body(entry.gzip as Uint8Array<ArrayBuffer>, entry.status as 200, headers);
    }
    return c.body(entry.body as Uint8Array<ArrayBuffer>, entry.status as 200, headers);
  };

  /** Absolute base for feeds: the public URL, else the origin this request reached. */
  const origin = (c: Context) => deps.publicUrl ?? new URL(c.req.url).origin;

  // Set before the handler runs, so Hono adds them to whatever response it builds (touching
  // c.res.headers afterwards would turn node-server's fast path into a stream copy).
  app.use(async (c, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    await next();
  });

  app.get(STYLE_PATH, (c) =>
    c.body(STYLE, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    }),
  );

  app.get("/", (c) => cached(c, "/", () => ({ body: homePage(ctx), type: HTML })));
  app.get("/days", (c) => cached(c, "/days", () => ({ body: daysPage(ctx), type: HTML })));
  app.get("/topics", (c) => cached(c, "/topics", () => ({ body: topicsPage(ctx), type: HTML })));

  app.get("/d/:date", (c) => {
    const date = c.req.param("date");
    if (!DATE.test(date)) return notFound(c);
    return cached(c, `/d/${date}`, () => {
      const body = dayPage(ctx, date);
      return body ? { body, type: HTML } : null;
    });
  });

  app.get("/topic/:id", (c) => {
    const id = c.req.param("id");
    const topic = TOPIC_ID.test(id) ? topicById(taxonomy, id) : undefined;
    if (!topic) return notFound(c);
    return cached(c, `/topic/${id}`, () => {
      const entries = archive.matching([{ kind: "topic", value: topic.id }], TOPIC_DAYS);
      return { body: topicPage(ctx, topic, entries), type: HTML };
    });
  });

  app.get("/paper/*", (c) => {
    const raw = decodeURIComponent(c.req.path.slice("/paper/".length));
    let id: string;
    try {
      if (raw.length > 64) throw new InvalidPaperIdError(raw);
      const parsed = parsePaperId(raw);
      id = parsed.id;
    } catch (error) {
      if (error instanceof InvalidPaperIdError) return notFound(c);
      throw error;
    }
    if (id !== raw) return c.redirect(ctx.links.paper(id), 301);
    return cached(c, `/paper/${id}`, () => {
      const entry = archive.paper(id);
      if (!entry) return null;
      const deep = deps.deepCards?.cached(id) ?? null;
      return { body: paperPage(ctx, entry, deep ? richMessageHtml(deep) : null), type: HTML };
    });
  });

  app.get("/search", (c) => {
    const query = (c.req.query("q") ?? "").normalize("NFKC").trim();
    let outcome: SearchOutcome | undefined;
    if (!query) outcome = { kind: "empty" };
    else if (Array.from(query).length > MAX_QUERY_LENGTH) {
      outcome = { kind: "tooLong", max: MAX_QUERY_LENGTH };
    } else if (queryTerms(query).length === 0) outcome = { kind: "unusable" };
    if (outcome) return c.html(searchPage(ctx, query.slice(0, MAX_QUERY_LENGTH * 2), outcome));
    // The limit counts every search, answered from the cache or not.
    const address = clientAddress(
      getConnInfo(c).remote.address,
      c.req.header("x-forwarded-for"),
      trust,
    );
    const waitMs = limiter.take(address);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      c.header("Retry-After", String(seconds));
      c.header("Cache-Control", "no-store");
      return c.html(messagePage(ctx, WEB.searchTitle, WEB.rateLimited(seconds)), 429);
    }
    return cached(c, `search:${query}`, () => {
      const hits = deps.search.search(query, SEARCH_RESULTS);
      const cards = archive.cards(hits.map((h) => h.paperId));
      return { body: searchPage(ctx, query, { kind: "hits", hits, cards }), type: HTML };
    });
  });

  app.get("/report/:period", async (c) => {
    const period = c.req.param("period");
    if (!deps.reports || !PERIOD.test(period)) return notFound(c);
    const key = `/report/${period}`;
    if (!cache.get(key)) {
      const report = await deps.reports.report(period);
      if (!report) return notFound(c);
      cache.set(key, {
        status: 200,
        body: reportPage(ctx, report.title, richMessageHtml(report.message)),
        type: HTML,
      });
    }
    return cached(c, key, () => null);
  });

  // A chat's own report, behind its feed token: the token is checked on every request (before
  // the cache), so a reset token stops working at once and one chat never sees another's.
  app.get("/chat/:token/report/:period", async (c) => {
    const period = c.req.param("period");
    const token = c.req.param("token");
    const chatId =
      deps.reports?.chatReport && PERIOD.test(period) ? deps.feeds.chatOf(token) : null;
    const chat = chatId === null ? null : deps.chats.byId(chatId);
    if (!chat || !deps.reports?.chatReport) return notFound(c);
    const key = `/chat/${token}/report/${period}`;
    if (!cache.get(key)) {
      const report = await deps.reports.chatReport(chat, period);
      if (!report) return notFound(c);
      cache.set(key, {
        status: 200,
        body: chatReportPage(ctx, {
          title: report.title,
          html: richMessageHtml(report.message),
          period,
          chat: chat.title,
        }),
        type: HTML,
      });
    }
    return cached(c, key, () => null, true);
  });

  app.get("/feed/topic/:file", (c) => {
    const id = /^(.+)\.xml$/.exec(c.req.param("file"))?.[1] ?? "";
    const topic = TOPIC_ID.test(id) ? topicById(taxonomy, id) : undefined;
    if (!topic) return notFound(c);
    const base = origin(c);
    return cached(c, `${base}/feed/topic/${id}`, () => {
      const links = webLinks(base);
      const body = atomFeed({
        self: links.topicFeed(topic.id),
        alternate: links.topic(topic.id),
        title: WEB.feedTopicTitle(topic.name),
        subtitle: WEB.feedTopicSubtitle(topic.name),
        entries: archive.matching([{ kind: "topic", value: topic.id }], FEED_DAYS, FEED_ENTRIES),
        links,
        taxonomy,
      });
      return { body, type: ATOM };
    });
  });

  app.get("/feed/chat/:file", (c) => {
    const token = /^(.+)\.xml$/.exec(c.req.param("file"))?.[1] ?? "";
    const chatId = deps.feeds.chatOf(token);
    const chat = chatId === null ? null : deps.chats.byId(chatId);
    if (!chat) return notFound(c);
    const base = origin(c);
    return cached(c, `${base}/feed/chat/${token}`, () => {
      const links = webLinks(base);
      const body = atomFeed({
        self: links.chatFeed(token),
        alternate: links.home(),
        title: WEB.feedChatTitle(chat.title),
        subtitle: WEB.feedChatSubtitle,
        entries: archive.matching(deps.subscriptions.list(chat.id), FEED_DAYS, FEED_ENTRIES),
        links,
        taxonomy,
      });
      return { body, type: ATOM };
    });
  });

  if (deps.mail) mailRoutes(app, deps.mail, ctx, taxonomy, notFound);

  app.notFound(notFound);
  app.onError((error, c) => {
    deps.log.error("web request failed", { path: c.req.path.slice(0, 200), error });
    return c.html(messagePage(ctx, WEB.errorTitle, WEB.error), 500);
  });
  return app;
}

export interface WebServer {
  /** the port it listens on (useful with port 0) */
  port: number;
  /** stops accepting connections and closes open ones */
  stop(): Promise<void>;
}

/** Starts the archive on `port` (0: any free one) and resolves once it listens. */
export function startWebServer(
  deps: WebDeps,
  options: { port: number; host?: string },
): Promise<WebServer> {
  const app = createWebApp(deps);
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port, hostname: options.host ?? "0.0.0.0" },
      (info: AddressInfo) => {
        deps.log.info("web archive listening", { host: info.address, port: info.port });
        resolve({
          port: info.port,
          stop: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        });
      },
    );
    server.once("error", reject);
  });
}
