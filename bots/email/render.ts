/**
 * A digest as an email: subject, HTML and the plain-text alternative, all from the same neutral
 * message, so both parts say the same. The HTML is the archive's escaped rendering; the footer
 * says how to unsubscribe (a page of the archive, or a mailto: address without it).
 */
import type { RichMessage } from "../../src/core/message.ts";
import { markCards } from "../../src/core/message.ts";
import { MAIL } from "../../src/core/texts/mail.ts";
import { toPlainText } from "../../src/digest/render/text.ts";
import { esc, richMessageHtml } from "../../src/web/html.ts";

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function renderMail(
  unmarked: RichMessage,
  unsubscribe: { url: string } | { mailto: string },
): RenderedMail {
  const message = markCards(unmarked);
  const first = message.blocks[0];
  const subject =
    (first?.title ?? first?.lines[0] ?? [])
      .map((s) => s.text)
      .join("")
      .replace(/[\r\n]+/g, " ")
      .trim()
      .slice(0, 150) || MAIL.subjectFallback;
  const footerText =
    "url" in unsubscribe
      ? `${MAIL.footerUnsubscribe}${unsubscribe.url}`
      : `${MAIL.footerMailto} ${unsubscribe.mailto}`;
  const footerHtml =
    "url" in unsubscribe
      ? `${esc(MAIL.footerUnsubscribe)}<a href="${esc(unsubscribe.url)}">${esc(unsubscribe.url)}</a>`
      : `${esc(MAIL.footerMailto)} <a href="mailto:${esc(unsubscribe.mailto)}?subject=unsubscribe">${esc(unsubscribe.mailto)}</a>`;
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(subject)}</title></head>
<body style="font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;line-height:1.7;max-width:40rem;margin:0 auto;padding:1rem;color:#1f2328">
${richMessageHtml(message)}
<hr>
<p style="color:#4d555e;font-size:.9em">${footerHtml}</p>
</body></html>`;
  return { subject, text: `${toPlainText(message)}\n\n--\n${footerText}\n`, html };
}
