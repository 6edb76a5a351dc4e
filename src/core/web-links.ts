/**
 * Links into the web archive (src/web), built from its public base URL (SUDI_PUBLIC_URL) and
 * ids sudi has already validated. Kept on the bottom floor so digests, cards, commands and mail
 * can link to a page without knowing how the archive is served. Every path segment is
 * percent-encoded here, so a caller can never build a link that leaves the archive.
 */

export interface WebLinks {
  /** the archive's home: the latest announcement */
  home(): string;
  /** one announcement day, YYYY-MM-DD */
  day(date: string): string;
  /** one paper, by its arXiv id without version */
  paper(id: string): string;
  /** one topic, by its taxonomy id */
  topic(id: string): string;
  /** a report period: 2024-04 or 2024-W17 (the report over every topic) */
  report(period: string): string;
  /** one chat's own report of a period (its subscriptions, its format), by its feed token */
  chatReport(token: string, period: string): string;
  /** the Atom feed of a topic */
  topicFeed(id: string): string;
  /** the Atom feed of one chat, by its unguessable token */
  chatFeed(token: string): string;
  /** an absolute URL of any archive path (starting with "/") */
  url(path: string): string;
}

/** arXiv ids keep their "/" (hep-th/0101001): the archive routes them as one path. */
function segment(text: string): string {
  return encodeURIComponent(text).replace(/%2F/gi, "/");
}

/** Links relative to `base` (no trailing slash: "https://sudi.example.org" or ""). */
export function webLinks(base: string): WebLinks {
  const root = base.replace(/\/+$/, "");
  const url = (path: string) => `${root}${path}`;
  return {
    home: () => url("/"),
    day: (date) => url(`/d/${encodeURIComponent(date)}`),
    paper: (id) => url(`/paper/${segment(id)}`),
    topic: (id) => url(`/topic/${encodeURIComponent(id)}`),
    report: (period) => url(`/report/${encodeURIComponent(period)}`),
    chatReport: (token, period) =>
      url(`/chat/${encodeURIComponent(token)}/report/${encodeURIComponent(period)}`),
    topicFeed: (id) => url(`/feed/topic/${encodeURIComponent(id)}.xml`),
    chatFeed: (token) => url(`/feed/chat/${encodeURIComponent(token)}.xml`),
    url,
  };
}

/** The archive's links when a public URL is configured, else null (chats then show none). */
export function publicLinks(publicUrl: string | undefined): WebLinks | null {
  return publicUrl ? webLinks(publicUrl) : null;
}
