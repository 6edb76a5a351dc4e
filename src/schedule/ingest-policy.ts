/**
 * When to ingest and summarise: shortly after each arXiv announcement (20:00 New York), again
 * every few minutes while the feed is empty or has not moved on, hourly after a bound with one
 * logged failure, one look on a holiday evening in case arXiv announced after all, and a
 * back-fill of the mailings missed during downtime. Cards are written right after an ingest,
 * and never gate a digest (a failed summarise leaves fallback cards).
 */

import {
  ANNOUNCE_HOUR,
  ARXIV_TIMEZONE,
  announcementAt,
  isMailingDate,
  latestAnnouncementAt,
} from "../arxiv/calendar.ts";
import { ArxivNetworkError, EmptyFeedError } from "../arxiv/errors.ts";
import type { Clock } from "../core/clock.ts";
import { addDays, wallTime } from "../core/zoned-time.ts";
import { describeError, type Logger } from "../log.ts";
import type { ScheduleStore } from "../store/schedule.ts";

/** What one ingest run reports (src/arxiv/ingest.ts's result fits). */
export interface IngestOutcome {
  announceDate: string;
  newCount: number;
  crossCount: number;
}

/** What one summarise run reports. */
export interface SummariseOutcome {
  cards: number;
  tokens: number;
  failures: number;
}

/** The pipeline stages the scheduler drives; src/schedule/daemon.ts builds the real ones. */
export interface Pipeline {
  /** the newest announcement day in the store, or null when empty */
  latestIngested(): string | null;
  /** ingests what the feed shows now, or back-fills `date`; EmptyFeedError when empty */
  ingest(date?: string): Promise<IngestOutcome>;
  /** writes missing cards; never blocks a digest (fallback cards) */
  summarise(): Promise<SummariseOutcome>;
}

/** What one pipeline step did, for the run summary line. */
export interface PipelineSummary {
  announceDate: string | null;
  papersIngested: number;
  cardsWritten: number;
  tokensUsed: number;
  failures: number;
  /** one short English line per failure counted above, for run-once's error line */
  problems: string[];
}

export const emptyPipelineSummary = (): PipelineSummary => ({
  announceDate: null,
  papersIngested: 0,
  cardsWritten: 0,
  tokensUsed: 0,
  failures: 0,
  problems: [],
});

export interface IngestPolicyOptions {
  /** first ingest attempt this long after 20:00 New York (default 5 min) */
  ingestDelayMs: number;
  /** retry a late or empty feed this often (default 5 min) */
  retryEveryMs: number;
  /** after this long past 20:00, log one failure and retry only hourly (default 3 h) */
  giveUpAfterMs: number;
  /** the slow retry interval after giving up (default 1 h) */
  slowRetryEveryMs: number;
  /** missed mailings to back-fill after downtime, newest first (default 3) */
  catchUpDays: number;
}

const isEmptyFeed = (error: unknown) => error instanceof EmptyFeedError;
/** DNS or the route is down: no point calling the announcement late. */
const isUnreachable = (error: unknown) => error instanceof ArxivNetworkError && error.unreachable;

export class IngestPolicy {
  private readonly lastIngestAttempt = new Map<string, number>();

  constructor(
    private readonly deps: { pipeline: Pipeline; store: ScheduleStore; clock: Clock; log: Logger },
    private readonly opts: IngestPolicyOptions,
    private readonly holidays: ReadonlySet<string>,
  ) {}

  /** Ingests and summarises if an announcement is due or missed; never throws for the feed. */
  async step(): Promise<PipelineSummary> {
    const summary = emptyPipelineSummary();
    const { pipeline, store, clock } = this.deps;
    const now = clock.now();
    // An announcement is expected only once its ingest delay has passed; until then the one
    // before it is, so a store that lacks even that one catches up at once.
    const expected = latestAnnouncementAt(now - this.opts.ingestDelayMs, this.holidays);
    const before = pipeline.latestIngested();
    if ((!before || before < expected.announceDate) && this.ingestDue(expected, now)) {
      this.lastIngestAttempt.set(expected.announceDate, now);
      try {
        const r = await pipeline.ingest();
        summary.papersIngested += r.newCount + r.crossCount;
        if (r.announceDate < expected.announceDate) {
          this.late(expected, now, `the feed still shows ${r.announceDate}`);
        } else {
          this.deps.log.info("ingested", {
            announceDate: r.announceDate,
            new: r.newCount,
            cross: r.crossCount,
          });
          summary.papersIngested += await this.backfill(before, r.announceDate);
        }
      } catch (error) {
        const reason = isEmptyFeed(error) ? "the feed is empty" : describeError(error);
        this.late(expected, now, reason, isUnreachable(error));
        if (!isEmptyFeed(error)) {
          summary.failures++;
          summary.problems.push(
            `ingest ${expected.announceDate}: ${isUnreachable(error) ? "network unreachable" : reason}`,
          );
        }
      }
    } else if (
      this.isHolidayEvening(now) &&
      !this.lastIngestAttempt.has(`probe:${expected.announceDate}`)
    ) {
      // A holiday per our table: one look at the feed, in case arXiv announced after all.
      this.lastIngestAttempt.set(`probe:${expected.announceDate}`, now);
      try {
        const r = await pipeline.ingest();
        summary.papersIngested += r.newCount + r.crossCount;
      } catch (error) {
        this.deps.log.debug("holiday probe found nothing new", { error: describeError(error) });
      }
    }
    const latest = pipeline.latestIngested();
    if (latest && !store.summarisedAt(latest)) {
      summary.announceDate = latest;
      let note: string | null = null;
      try {
        const s = await pipeline.summarise();
        summary.cardsWritten += s.cards;
        summary.tokensUsed += s.tokens;
        summary.failures += s.failures;
        if (s.failures > 0) summary.problems.push(`summarise: ${s.failures} card(s) failed`);
      } catch (error) {
        // Cards are an improvement, never a gate: the digest goes out with fallback cards.
        note = `summarise failed: ${describeError(error)}`;
        this.deps.log.error("summarise failed; delivering with fallback cards", {
          announceDate: latest,
          error: note,
        });
        summary.failures++;
        summary.problems.push(note);
      }
      store.markSummarised(latest, new Date(clock.now()).toISOString(), note);
    }
    return summary;
  }

  private isHolidayEvening(now: number): boolean {
    const ny = wallTime(now, ARXIV_TIMEZONE);
    const tomorrow = addDays(ny.date, 1);
    const evening = ny.hour >= ANNOUNCE_HOUR && ny.weekday >= 0 && ny.weekday <= 4;
    return (
      evening &&
      this.holidays.has(tomorrow) &&
      now >= announcementAt(tomorrow) + this.opts.ingestDelayMs
    );
  }

  private ingestDue(expected: { announceDate: string; at: number }, now: number): boolean {
    if (now < expected.at + this.opts.ingestDelayMs) return false;
    const last = this.lastIngestAttempt.get(expected.announceDate);
    if (last === undefined) return true;
    const slow = now >= expected.at + this.opts.giveUpAfterMs;
    return now - last >= (slow ? this.opts.slowRetryEveryMs : this.opts.retryEveryMs);
  }

  /** The expected announcement is not there yet: retry later; past the bound, say so once. */
  private late(
    expected: { announceDate: string; at: number },
    now: number,
    reason: string,
    unreachable = false,
  ): void {
    const { store, log } = this.deps;
    if (unreachable) {
      // Offline (DNS, no route): the backoff stays, but nobody should go looking at arXiv.
      log.warn("network unreachable: cannot reach arXiv; will retry", {
        announceDate: expected.announceDate,
        reason,
        retryInMs: this.opts.retryEveryMs,
      });
      return;
    }
    if (now >= expected.at + this.opts.giveUpAfterMs) {
      if (!store.ingestFailedAt(expected.announceDate)) {
        store.markIngestFailed(expected.announceDate, new Date(now).toISOString(), reason);
        // A feed that does not move on may be a holiday missing from the calendar; a network or
        // HTTP error is just that, and the reason says which.
        const hint = reason.startsWith("the feed") ? " (a holiday missing from the calendar?)" : "";
        log.error(`announcement still not available; retrying hourly${hint}`, {
          announceDate: expected.announceDate,
          reason,
        });
      }
      return;
    }
    log.info("announcement not available yet; will retry", {
      announceDate: expected.announceDate,
      reason,
      retryInMs: this.opts.retryEveryMs,
    });
  }

  /** After downtime: back-fills the mailings between the last one stored and the new one. */
  private async backfill(before: string | null, latest: string): Promise<number> {
    if (!before) return 0;
    const missed: string[] = [];
    for (
      let d = addDays(latest, -1);
      d > before && missed.length < this.opts.catchUpDays;
      d = addDays(d, -1)
    ) {
      if (isMailingDate(d, this.holidays)) missed.push(d);
    }
    let papers = 0;
    for (const date of missed) {
      try {
        const r = await this.deps.pipeline.ingest(date);
        papers += r.newCount + r.crossCount;
        this.deps.log.info("caught up a missed announcement", {
          announceDate: date,
          papers: r.newCount + r.crossCount,
        });
      } catch (error) {
        this.deps.log.warn("could not back-fill a missed announcement", {
          announceDate: date,
          error: describeError(error),
        });
      }
    }
    return papers;
  }
}
