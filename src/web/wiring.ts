/**
 * The archive's dependencies from a running sudi (the App of src/app.ts fits), so `sudi serve`
 * and `sudi start` serve the same stores the bot writes.
 */
import type { Config } from "../config.ts";
import { deepCardMessage } from "../digest/deep-message.ts";
import type { Logger } from "../log.ts";
import { ArchiveStore } from "../store/archive.ts";
import type { Db } from "../store/db.ts";
import type { EndpointStore } from "../store/endpoints.ts";
import type { PaperStore } from "../store/papers.ts";
import type { DeepReader } from "../summarise/deep.ts";
import { startWebServer, type WebDeps, type WebServer } from "./server.ts";

/** What the archive reads and writes of a running sudi. */
export interface ArchiveSources
  extends Pick<WebDeps, "papers" | "cards" | "digests" | "search" | "feeds" | "subscriptions"> {
  db: Db;
  chats: NonNullable<WebDeps["mail"]>["chats"] & WebDeps["chats"];
  subscriptions: NonNullable<WebDeps["mail"]>["subscriptions"] & WebDeps["subscriptions"];
  endpoints: Pick<EndpointStore, "byToken" | "set" | "deactivate" | "reactivate">;
  config: Pick<Config, "SUDI_PUBLIC_URL" | "SUDI_TRUST_PROXY" | "SUDI_WEB_PORT" | "SUDI_WEB_HOST">;
  log: Logger;
  papers: WebDeps["papers"] & Pick<PaperStore, "get">;
  /** the deep reads: a cached deep-read card shows on the paper page (never a new LLM call) */
  deep?: Pick<DeepReader, "cached">;
  /** 周报 and 月报 (src/reports): /report/<period> */
  reports?: WebDeps["reports"];
}

export function webDeps(
  app: ArchiveSources,
  extra: Pick<WebDeps, "reports" | "deepCards"> = {},
): WebDeps {
  return {
    papers: app.papers,
    cards: app.cards,
    digests: app.digests,
    search: app.search,
    archive: new ArchiveStore(app.db),
    feeds: app.feeds,
    chats: app.chats,
    subscriptions: app.subscriptions,
    log: app.log.child({ part: "web" }),
    publicUrl: app.config.SUDI_PUBLIC_URL,
    trustProxy: app.config.SUDI_TRUST_PROXY,
    mail: { endpoints: app.endpoints, chats: app.chats, subscriptions: app.subscriptions },
    ...(app.deep ? { deepCards: deepCardsOf(app.papers, app.deep) } : {}),
    ...(app.reports ? { reports: app.reports } : {}),
    ...extra,
  };
}

/** The paper page's hook into the deep reads: the cached deep card, as a neutral message. */
function deepCardsOf(
  papers: Pick<PaperStore, "get">,
  deep: Pick<DeepReader, "cached">,
): NonNullable<WebDeps["deepCards"]> {
  return {
    cached: (id) => {
      const paper = papers.get(id);
      const card = paper ? deep.cached(paper) : undefined;
      return card ? deepCardMessage(card) : null;
    },
  };
}

/** Starts the archive when SUDI_WEB_PORT is set; null otherwise. */
export async function startArchive(app: ArchiveSources): Promise<WebServer | null> {
  if (app.config.SUDI_WEB_PORT === undefined) return null;
  return startWebServer(webDeps(app), {
    port: app.config.SUDI_WEB_PORT,
    host: app.config.SUDI_WEB_HOST,
  });
}
