/**
 * The archive's only write actions: an email reader confirms a subscription (double opt-in),
 * unsubscribes (a button, or a mail client's RFC 8058 one-click POST), or changes topics. Each
 * is authorised by its own 256-bit token from the mail; a wrong token is the archive's one 404.
 * Pages only show forms on GET (mail scanners open links): the change happens on POST.
 */
import type { Context, Hono } from "hono";
import { MAIL } from "../core/texts/mail.ts";
import type { ChatStore } from "../store/chats.ts";
import type { EndpointRow, EndpointStore } from "../store/endpoints.ts";
import type { SubscriptionStore } from "../store/subscriptions.ts";
import type { Taxonomy } from "../topics/taxonomy.ts";
import { esc, page } from "./html.ts";
import { messagePage, type PageContext } from "./pages.ts";

export interface MailDeps {
  endpoints: Pick<EndpointStore, "byToken" | "set" | "deactivate" | "reactivate">;
  chats: Pick<ChatStore, "update">;
  subscriptions: Pick<SubscriptionStore, "list" | "add" | "remove">;
}

const MAX_TOPICS = 50;

function settingsOf(row: EndpointRow): Record<string, unknown> {
  return typeof row.settings === "object" && row.settings !== null
    ? (row.settings as Record<string, unknown>)
    : {};
}

export function mailRoutes(
  app: Hono,
  deps: MailDeps,
  ctx: PageContext,
  taxonomy: Taxonomy,
  notFound: (c: Context) => Response | Promise<Response>,
): void {
  const form = (action: string, button: string, inner = "") =>
    `<form method="post" action="${esc(action)}">${inner}<p><button type="submit">${esc(button)}</button></p></form>`;
  const show = (c: Context, title: string, body: string) =>
    c.html(
      page({
        title,
        body: `<h1>${esc(title)}</h1>\n${body}`,
        links: ctx.links,
        stylesheet: ctx.stylesheet,
      }),
      200,
      {
        "Cache-Control": "no-store",
      },
    );

  const byConfirm = (c: Context) =>
    deps.endpoints.byToken("email", "confirmToken", c.req.param("token") ?? "");
  const byManage = (c: Context) =>
    deps.endpoints.byToken("email", "manageToken", c.req.param("token") ?? "");

  app.get("/mail/confirm/:token", (c) => {
    const row = byConfirm(c);
    if (!row) return notFound(c);
    const address = String(settingsOf(row).address ?? "");
    return show(
      c,
      MAIL.confirmTitle,
      `<p>${esc(MAIL.confirmPrompt(address))}</p>\n${form(c.req.path, MAIL.confirmButton)}`,
    );
  });

  app.post("/mail/confirm/:token", (c) => {
    const row = byConfirm(c);
    if (!row) return notFound(c);
    deps.endpoints.set(row.chat, { ...settingsOf(row), confirmed: true });
    deps.endpoints.reactivate(row.chat);
    deps.chats.update(row.chat, { paused: false });
    return c.html(messagePage(ctx, MAIL.confirmTitle, MAIL.confirmed), 200, {
      "Cache-Control": "no-store",
    });
  });

  app.get("/mail/unsubscribe/:token", (c) => {
    const row = byManage(c);
    if (!row) return notFound(c);
    const address = String(settingsOf(row).address ?? "");
    const subscribed = new Set(
      deps.subscriptions
        .list(row.chat)
        .filter((s) => s.kind === "topic")
        .map((s) => s.value),
    );
    const boxes = taxonomy.topics
      .map(
        (t) =>
          `<li><label><input type="checkbox" name="topic" value="${esc(t.id)}"${subscribed.has(t.id) ? " checked" : ""}> ${esc(t.name)}</label></li>`,
      )
      .join("");
    const topicsForm = form(
      `/mail/topics/${c.req.param("token")}`,
      MAIL.topicsButton,
      `<fieldset><legend>${esc(MAIL.topicsLegend)}</legend><ul class="topics">${boxes}</ul></fieldset>`,
    );
    return show(
      c,
      MAIL.manageTitle,
      `<p>${esc(MAIL.managePrompt(address))}</p>\n${form(c.req.path, MAIL.unsubscribeButton)}\n${topicsForm}`,
    );
  });

  // The button on the page, and RFC 8058's one-click POST (body "List-Unsubscribe=One-Click").
  app.post("/mail/unsubscribe/:token", (c) => {
    const row = byManage(c);
    if (!row) return notFound(c);
    deps.endpoints.deactivate(row.chat, MAIL.unsubscribedReason);
    return c.html(messagePage(ctx, MAIL.manageTitle, MAIL.unsubscribed), 200, {
      "Cache-Control": "no-store",
    });
  });

  app.post("/mail/topics/:token", async (c) => {
    const row = byManage(c);
    if (!row) return notFound(c);
    const body = await c.req.parseBody({ all: true });
    const raw = body.topic;
    const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
      (v): v is string => typeof v === "string",
    );
    const known = new Set(taxonomy.topics.map((t) => t.id));
    const wanted = [...new Set(values.filter((v) => known.has(v)))].slice(0, MAX_TOPICS);
    if (wanted.length === 0) {
      return c.html(messagePage(ctx, MAIL.manageTitle, MAIL.topicsNone), 400, {
        "Cache-Control": "no-store",
      });
    }
    for (const s of deps.subscriptions.list(row.chat)) {
      if (s.kind === "topic" && !wanted.includes(s.value))
        deps.subscriptions.remove(row.chat, "topic", s.value);
    }
    for (const id of wanted) deps.subscriptions.add(row.chat, "topic", id, "web");
    return c.html(messagePage(ctx, MAIL.manageTitle, MAIL.topicsSaved(wanted.length)), 200, {
      "Cache-Control": "no-store",
    });
  });
}
