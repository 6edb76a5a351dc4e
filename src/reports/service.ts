/**
 * ReportService: 周报 and 月报 for chats, the CLI and the web archive. It owns the period
 * indexes (through ReportBuilder), the chart of each period (rendered once, shared by every
 * chat), and the choice between a short report in the chat and a long one delivered as a
 * summary plus the chart photo and the full report as an HTML file.
 */

import { type Attachment, attachment, type RichMessage } from "../core/message.ts";
import { R, REPORT_NAME } from "../core/texts/reports.ts";
import { publicLinks } from "../core/web-links.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Chat } from "../store/chats.ts";
import type { FeedTokenStore } from "../store/feeds.ts";
import type { ReportFormat, ReportSettings, ReportStore } from "../store/reports.ts";
import type { Subscription } from "../store/subscriptions.ts";
import { type ChartData, type RenderOptions, renderChart } from "./chart.ts";
import { hasItems, reportMessage, summaryMessages } from "./layout.ts";
import {
  deliveryAt,
  latestDuePeriod,
  type Period,
  type PeriodKind,
  parsePeriod,
  periodLabel,
} from "./period.ts";
import { reportHtmlPieces } from "./render.ts";
import type { ChatFilters, Report, ReportBuilder } from "./select.ts";

/** A report with more papers than this goes out as a summary plus the HTML file. */
export const LONG_REPORT_ITEMS = 8;
/** Distinct reports a bulk run keeps for chats with the same subscriptions (bounds memory). */
const SHARED_REPORTS = 200;

export interface ReportServiceDeps {
  builder: ReportBuilder;
  subscriptions: {
    list(chat: number): Subscription[];
    forChats(ids: readonly number[]): Map<number, Subscription[]>;
  };
  settings: Pick<ReportStore, "settings" | "settingsOf" | "chatsWith" | "chatsWithoutDaily">;
  /** SUDI_PUBLIC_URL: reports link to their web page when set */
  publicUrl?: string;
  /**
   * Chats' feed tokens: with them, a long report's web link opens the chat's own report
   * (/chat/<token>/report/<period>) instead of the one over every topic.
   */
  feeds?: Pick<FeedTokenStore, "ensure" | "ensureMany">;
  chart?: RenderOptions | false;
  log?: Logger;
}

/** The chart data of a report: its per-chapter counts against the previous period. */
export function chartDataOf(report: Report): ChartData {
  return {
    title: R.chartTitle(REPORT_NAME[report.period.kind], report.label),
    chapters: report.chapters.map((c) => ({
      chapter: c.chapter,
      current: c.total,
      previous: c.previous,
    })),
    keywords: report.keywords,
  };
}

export class ReportService {
  private readonly log: Logger;
  private readonly charts = new Map<string, Attachment | null>();
  private chartWarned = false;
  private scratch = Buffer.alloc(0);

  constructor(private readonly deps: ReportServiceDeps) {
    this.log = deps.log ?? silentLogger;
  }

  get builder(): ReportBuilder {
    return this.deps.builder;
  }

  /** Chats that receive a 周报 or 月报 (the scheduler looks only at these). */
  candidates(): Set<number> {
    return new Set([
      ...this.deps.settings.chatsWith("weekly"),
      ...this.deps.settings.chatsWith("monthly"),
    ]);
  }

  /** Chats that asked not to receive the daily digest. */
  chatsWithoutDaily(): Set<number> {
    return this.deps.settings.chatsWithoutDaily();
  }

  /** Forgets cached periods and charts (after new papers or cards). */
  refresh(): void {
    this.deps.builder.refresh();
    this.charts.clear();
  }

  /**
   * UTF-8 text, given in pieces, as base64 through one reused buffer: a bulk run encodes an
   * HTML file per chat, and neither the page as one string nor a fresh Buffer is built for it.
   */
  private base64(pieces: readonly string[]): string {
    let most = 0;
    for (const p of pieces) most += p.length * 3;
    if (this.scratch.length < most) this.scratch = Buffer.allocUnsafe(Math.max(most, 1 << 16));
    let length = 0;
    for (const p of pieces) length += this.scratch.write(p, length, "utf8");
    return this.scratch.toString("base64", 0, length);
  }

  /** The chart PNG of a report, or undefined when no CJK font is installed (logged once). */
  chartPng(report: Report): Uint8Array | undefined {
    if (this.deps.chart === false) return undefined;
    try {
      return renderChart(chartDataOf(report), this.deps.chart ?? {});
    } catch (error) {
      if (!this.chartWarned) {
        this.chartWarned = true;
        this.log.warn("report chart unavailable; sending reports without it", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return undefined;
    }
  }

  /** The period-wide chart (every paper of the period), rendered once per period. */
  private periodChart(period: Period): Attachment | undefined {
    if (this.charts.has(period.key)) return this.charts.get(period.key) ?? undefined;
    const all = this.deps.builder.buildSync(period, null, { popularity: "off" });
    const png = all.unseen ? undefined : this.chartPng(all);
    const file = png ? attachment("photo", `sudi-${period.key}.png`, "image/png", png) : null;
    if (this.charts.size > 8) this.charts.clear();
    this.charts.set(period.key, file);
    return file ?? undefined;
  }

  /** The messages a chat gets for a report: short ones whole, long ones as a summary + files. */
  messagesFor(report: Report, format: ReportFormat, chart: Attachment | undefined): RichMessage[] {
    if (report.unseen || !hasItems(report)) return [reportMessage(report)];
    const items = report.chapters.reduce((n, c) => n + c.items.length, 0);
    const webUrl = publicLinks(this.deps.publicUrl)?.report(report.period.key);
    if (items <= LONG_REPORT_ITEMS) {
      const full = reportMessage(report, format);
      return chart ? [{ blocks: [], attachments: [chart] }, full] : [full];
    }
    const html: Attachment = {
      kind: "document",
      filename: R.fileName(report.period.key),
      mime: "text/html",
      // The chart goes out as its own photo; the file stays small (no embedded copy).
      data: this.base64(reportHtmlPieces(report, format)),
    };
    return summaryMessages(report, { chart, html, webUrl });
  }

  /** /report on demand: the chat's own selection, popularity fetched for its shortlist. */
  async forChat(chat: Chat, period: Period): Promise<RichMessage[]> {
    const subs = this.deps.subscriptions.list(chat.id);
    if (subs.length === 0)
      return [{ blocks: [{ kind: "text", lines: [[{ text: R.noSubscriptions }]] }] }];
    const report = await this.deps.builder.build(period, subs, {
      chat: chat.id,
      popularity: "fetch",
    });
    // A period that has not started (or whose first announcement is not out yet).
    if (!report.ended && report.seen === 0 && report.missingDates.length === 0) {
      return [{ blocks: [{ kind: "text", lines: [[{ text: R.notEnded(report.label) }]] }] }];
    }
    const { format } = this.deps.settings.settings(chat.id);
    const chart = report.unseen ? undefined : this.periodChart(period);
    return this.linkedFor(chat, period, this.messagesFor(report, format, chart));
  }

  /**
   * The chat's own copy of its report messages: the web link (built for the report over every
   * topic, so messages can be shared between chats) becomes the chat's own page, reached
   * through its feed token. Shared messages are never changed in place.
   */
  linkedFor(chat: Chat, period: Period, messages: RichMessage[]): RichMessage[] {
    const links = publicLinks(this.deps.publicUrl);
    if (!links || !this.deps.feeds) return messages;
    const shared = links.report(period.key);
    if (
      !messages.some((m) =>
        m.blocks.some((b) => b.lines.some((l) => l.some((x) => x.href === shared))),
      )
    )
      return messages;
    const own = links.chatReport(this.deps.feeds.ensure(chat.id), period.key);
    return messages.map((m) => ({
      ...m,
      blocks: m.blocks.map((b) => ({
        ...b,
        lines: b.lines.map((l) => l.map((x) => (x.href === shared ? { ...x, href: own } : x))),
      })),
    }));
  }

  /**
   * The web archive's /chat/<token>/report/<period>: the chat's own selection in its own
   * format, as the chat would get it; null when the period has no report.
   */
  async chatReport(
    chat: Chat,
    periodKey: string,
  ): Promise<{ title: string; message: RichMessage } | null> {
    let period: Period;
    try {
      period = parsePeriod(periodKey);
    } catch {
      return null;
    }
    const subs = this.deps.subscriptions.list(chat.id);
    const title = R.title(REPORT_NAME[period.kind], periodLabel(period));
    if (subs.length === 0) {
      return {
        title,
        message: { blocks: [{ kind: "text", lines: [[{ text: R.noSubscriptions }]] }] },
      };
    }
    const report = await this.deps.builder.build(period, subs, {
      chat: chat.id,
      popularity: "cached",
    });
    if (report.unseen || report.seen === 0) return null;
    const { format } = this.deps.settings.settings(chat.id);
    return { title, message: reportMessage(report, format) };
  }

  /** The web archive's /report/<period>: the report over every topic. */
  async report(periodKey: string): Promise<{ title: string; message: RichMessage } | null> {
    let period: Period;
    try {
      period = parsePeriod(periodKey);
    } catch {
      return null;
    }
    const report = await this.deps.builder.build(period, null, { popularity: "cached" });
    if (report.unseen || report.seen === 0) return null;
    return {
      title: R.title(REPORT_NAME[period.kind], report.label),
      message: reportMessage(report),
    };
  }

  /**
   * Fetches popularity for the period's best papers once, before a bulk run: every chat's
   * report then reads it from the cache, so a fan-out to 10,000 chats asks the sources only
   * for one shortlist.
   */
  async prefetch(period: Period, shortlist = 90): Promise<void> {
    const builder = this.deps.builder;
    await builder.gatherPopularity(period, builder.topOfPeriod(period, shortlist));
  }

  /**
   * Roll-ups due at `now` for these chats, built lazily chunk by chunk: for each chat that
   * receives 周报/月报, the newest period whose delivery moment (its HH:MM on Monday or the
   * 1st, in its zone) has come, when the chat asked for that kind before that moment, the
   * period's announcements are all in (`readyThrough`), and it has no delivery record yet.
   */
  async *due(
    chats: readonly Chat[],
    now: number,
    done: (chat: number, key: string) => boolean,
    readyThrough: string | null,
    chunkSize = 200,
  ): AsyncGenerator<{ chat: Chat; period: Period; messages: RichMessage[] }> {
    const prefetched = new Set<string>();
    const builder = this.deps.builder;
    const shared = new Map<string, RichMessage[] | null>();
    const seenOnce = new Set<string>();
    const memo = new Map<string, { period: Period; at: number; last: string | undefined }>();
    for (let i = 0; i < chats.length; i += chunkSize) {
      const chunk = chats.slice(i, i + chunkSize);
      const ids = chunk.map((c) => c.id);
      const settings = this.deps.settings.settingsOf(ids);
      if (publicLinks(this.deps.publicUrl)) this.deps.feeds?.ensureMany(ids);
      const subsByChat = this.deps.subscriptions.forChats(ids);
      const filtersByChat = builder.filtersFor(ids);
      for (const chat of chunk) {
        const s = settings.get(chat.id);
        if (!s) continue;
        for (const kind of ["week", "month"] as const) {
          const period = this.owed(kind, s, chat, now, done, readyThrough, memo);
          if (!period) continue;
          const subs = subsByChat.get(chat.id) ?? [];
          if (subs.length === 0) continue;
          if (!prefetched.has(period.key)) {
            prefetched.add(period.key);
            await this.prefetch(period);
          }
          // Chats with the same subscriptions and format share one built report, unless
          // their filters or a learned model make it their own.
          const filters = filtersByChat.get(chat.id) ?? null;
          const model = builder.hasModel(chat.id);
          const signature = builder.isPersonal(chat.id, filters, model)
            ? undefined
            : `${period.key}|${s.format}|${JSON.stringify(subs.map((x) => [x.kind, x.value]).sort())}`;
          let messages = signature === undefined ? undefined : shared.get(signature);
          if (messages === undefined) {
            messages = this.build(chat, period, subs, s.format, { filters, model });
            // Kept from the second chat with these subscriptions on: a report no other chat
            // shares (its HTML file is ~100 KB) is never held past its own delivery.
            if (signature !== undefined && seenOnce.has(signature)) {
              if (shared.size >= SHARED_REPORTS) shared.clear();
              shared.set(signature, messages);
            } else if (signature !== undefined) {
              seenOnce.add(signature);
            }
          }
          // null: the period is unseen. []: nothing matched, recorded as an empty delivery,
          // never sent (like a daily digest).
          if (messages === null) continue;
          yield { chat, period, messages: this.linkedFor(chat, period, messages) };
        }
      }
    }
  }

  /** One chat's roll-up messages, or null when the store has none of the period. */
  private build(
    chat: Chat,
    period: Period,
    subs: Subscription[],
    format: ReportFormat,
    personal: { filters: ChatFilters | null; model: boolean },
  ): RichMessage[] | null {
    const report = this.deps.builder.buildSync(period, subs, {
      chat: chat.id,
      ...personal,
      popularity: "cached",
    });
    if (report.unseen) return null;
    if (!hasItems(report)) return [];
    return this.messagesFor(report, format, this.periodChart(period));
  }

  /** The period of `kind` this chat is owed at `now`, or null. */
  owed(
    kind: PeriodKind,
    s: ReportSettings,
    chat: Chat,
    now: number,
    done: (chat: number, key: string) => boolean,
    readyThrough: string | null,
    memo?: Map<string, { period: Period; at: number; last: string | undefined }>,
  ): Period | null {
    if (!s.frequency.includes(kind === "week" ? "weekly" : "monthly")) return null;
    // The same for every chat of a zone and time: worked out once per bulk run.
    const memoKey = `${kind}|${chat.timezone}|${chat.digestTime}`;
    let when = memo?.get(memoKey);
    if (!when) {
      const p = latestDuePeriod(kind, now, chat);
      when = { period: p, at: deliveryAt(p, chat), last: this.deps.builder.mailingDates(p).at(-1) };
      memo?.set(memoKey, when);
    }
    const { period, at, last } = when;
    if (s.since && Date.parse(s.since) > at) return null;
    if (done(chat.id, period.key)) return null;
    // Wait for the period's last announcement, but not forever (a day late at most).
    if (last && (readyThrough === null || readyThrough < last) && now < at + 86_400_000)
      return null;
    return period;
  }
}
