/**
 * The one check every renderer makes before putting a link into a message: only absolute
 * http(s) URLs pass (a `javascript:` or relative link would be refused by the platform or be
 * unsafe), returned normalised and with parentheses escaped so they also survive Markdown's
 * `[text](url)`.
 */
export function safeUrl(href: string | undefined): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.href.replace(/\(/g, "%28").replace(/\)/g, "%29");
  } catch {
    return undefined;
  }
}
