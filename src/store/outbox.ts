/**
 * The outbox ledger: which papers each chat has had (tables `sent_ledger` and `outbox`).
 *
 * Why it exists: a chat must never get the same paper twice, whatever restarts, retries,
 * versions or cross-lists happen. Every (chat, paper) a digest carries is written as pending
 * before the message is sent, and moved into the sent ledger once the platform confirmed it. A
 * pending row is "in flight": it is never selected for another digest, and a restart resumes
 * it. Only the messages in flight at a crash can be uncertain.
 *
 * The sent ledger is packed, one row per (chat, announcement day) holding the day's ids, so it
 * stays small for years; `compact` drops the ids of days older than the retention window and
 * keeps their count. Dedup still holds: a digest only offers papers of the newest announcement,
 * and a paper keeps its first announce date across versions, so an old day's ids never return.
 */
import { type Db, nowIso } from "./db.ts";

export type OutboxState = "pending" | "sent" | "failed";

/** One (chat, paper) of the ledger. `batch` is null for sent papers (the ledger packs them). */
export interface OutboxEntry {
  chat: number;
  paperId: string;
  announceDate: string;
  state: OutboxState;
  batch: string | null;
  attempts: number;
}

interface OutboxRow {
  chat: number;
  paper_id: string;
  announce_date: string;
  state: "pending" | "failed";
  batch: string;
  attempts: number;
}

interface LedgerRow {
  announce_date: string;
  paper_ids: string | null;
}

const toEntry = (r: OutboxRow): OutboxEntry => ({
  chat: r.chat,
  paperId: r.paper_id,
  announceDate: r.announce_date,
  state: r.state,
  batch: r.batch,
  attempts: r.attempts,
});

/** Ids are passed as one JSON array (json_each), so any number of them fits one statement. */
const ids = (paperIds: Iterable<string>) => JSON.stringify([...new Set(paperIds)]);

/** The packed form of a day's ids: sorted, comma-separated (arXiv ids hold no comma). */
export function packIds(paperIds: Iterable<string>): string {
  return [...new Set(paperIds)].sort().join(",");
}

export function unpackIds(packed: string | null): string[] {
  return packed ? packed.split(",") : [];
}

/** Whether a packed day holds `id`: found whole between commas, without unpacking the day. */
export function packedHas(packed: string, id: string): boolean {
  if (!id) return false;
  for (let at = packed.indexOf(id); at >= 0; at = packed.indexOf(id, at + 1)) {
    const end = at + id.length;
    if ((at === 0 || packed[at - 1] === ",") && (end === packed.length || packed[end] === ",")) {
      return true;
    }
  }
  return false;
}

/** What one compaction removed. */
export interface LedgerCompaction {
  /** (chat, day) rows whose ids were dropped (their count stays) */
  daysCompacted: number;
  /** failed (chat, paper) rows older than the window */
  failedDropped: number;
}

export class OutboxStore {
  private readonly q;
  /** first announce dates of papers asked about (they never change once set) */
  private readonly announced = new Map<string, string>();

  constructor(private readonly db: Db) {
    this.q = {
      // What a digest must skip, in one statement: the chat's kept ledger days (packed ids),
      // its ids in flight (a digest's worth at most) and the first day the ledger keeps.
      taken: db
        .prepare<{ chat: number }, [Taken, string]>(
          `SELECT ${DAY}, paper_ids FROM sent_ledger WHERE chat = @chat AND paper_ids IS NOT NULL
           UNION ALL
           SELECT ${PENDING}, paper_id FROM outbox WHERE chat = @chat AND state = 'pending'
           UNION ALL
           SELECT ${WINDOW}, value FROM schedule_state WHERE key = '${KEPT_FROM}'`,
        )
        .raw(),
      firstAnnounced: db
        .prepare<[string], [string, string]>(
          `SELECT id, announce_date FROM papers WHERE id IN (SELECT value FROM json_each(?))
             AND announce_date IS NOT NULL`,
        )
        .raw(),
      // Days whose ids are still kept; at most the retention window's worth per chat.
      ledgerOf: db.prepare<[number], LedgerRow>(
        `SELECT announce_date, paper_ids FROM sent_ledger
           WHERE chat = ? AND paper_ids IS NOT NULL ORDER BY announce_date`,
      ),
      ledgerDay: db
        .prepare<[number, string], string | null>(
          `SELECT paper_ids FROM sent_ledger WHERE chat = ? AND announce_date = ?`,
        )
        .pluck(),
      putLedgerDay: db.prepare<[number, string, string, number]>(
        `INSERT INTO sent_ledger (chat, announce_date, paper_ids, papers) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat, announce_date) DO UPDATE SET
           paper_ids = excluded.paper_ids, papers = excluded.papers`,
      ),
      // A failed row may be taken again; callers skip pending and sent ids first.
      claim: db.prepare<[number, string, string, string, string]>(
        `INSERT INTO outbox (chat, paper_id, announce_date, state, batch, attempts, created_at)
           VALUES (?, ?, ?, 'pending', ?, 0, ?)
         ON CONFLICT (chat, paper_id) DO UPDATE SET
           announce_date = excluded.announce_date, state = 'pending', batch = excluded.batch,
           attempts = outbox.attempts + 1
         WHERE outbox.state = 'failed'`,
      ),
      pendingDays: db.prepare<[number, string], { announce_date: string; paper_id: string }>(
        `SELECT announce_date, paper_id FROM outbox WHERE chat = ? AND state = 'pending'
           AND paper_id IN (SELECT value FROM json_each(?))`,
      ),
      dropRows: db.prepare<[number, string, string]>(
        `DELETE FROM outbox WHERE chat = ? AND state = ?
           AND paper_id IN (SELECT value FROM json_each(?))`,
      ),
      markFailed: db.prepare<[number, string]>(
        `UPDATE outbox SET state = 'failed', attempts = attempts + 1
           WHERE chat = ? AND state = 'pending' AND paper_id IN (SELECT value FROM json_each(?))`,
      ),
      releaseOrphans: db.prepare(
        `DELETE FROM outbox WHERE state = 'pending' AND NOT EXISTS (
           SELECT 1 FROM deliveries d WHERE d.chat = outbox.chat AND d.state = 'pending'
             AND d.batch = outbox.batch)`,
      ),
      dropPending: db.prepare<[number]>(`DELETE FROM outbox WHERE chat = ? AND state = 'pending'`),
      pending: db.prepare<[], OutboxRow>(
        `SELECT * FROM outbox WHERE state = 'pending' ORDER BY chat, created_at, paper_id`,
      ),
      detailOf: db.prepare<[number], OutboxRow>(`SELECT * FROM outbox WHERE chat = ?`),
      countByState: db.prepare<[], { state: "pending" | "failed"; n: number }>(
        `SELECT state, count(*) AS n FROM outbox GROUP BY state`,
      ),
      sentCount: db.prepare<[], number>(`SELECT coalesce(sum(papers), 0) FROM sent_ledger`).pluck(),
      keptFrom: db.prepare<[string, string]>(
        `INSERT INTO schedule_state (key, value, updated_at) VALUES ('${KEPT_FROM}', ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value),
           updated_at = excluded.updated_at`,
      ),
      compactLedger: db.prepare<[string]>(
        `UPDATE sent_ledger SET paper_ids = NULL
           WHERE announce_date < ? AND paper_ids IS NOT NULL`,
      ),
      dropOldFailed: db.prepare<[string]>(
        `DELETE FROM outbox WHERE state = 'failed' AND announce_date < ?`,
      ),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Adds `paperIds` to the chat's ledger row of `announceDate`. */
  private addSent(chat: number, announceDate: string, paperIds: readonly string[]): void {
    if (paperIds.length === 0) return;
    const day = new Set(unpackIds(this.q.ledgerDay.get(chat, announceDate) ?? null));
    for (const id of paperIds) day.add(id);
    this.q.putLedgerDay.run(chat, announceDate, packIds(day), day.size);
  }

  /**
   * The ids among `paperIds` this chat already has, or has in flight (pending): a digest must
   * skip them. Failed rows are not counted, so a paper whose message failed may be sent again.
   * Papers first announced before the ledger's kept window count as had: their ids may have
   * been compacted away.
   */
  sentAmong(chat: number, paperIds: readonly string[]): Set<string> {
    const taken = new Set<string>();
    if (paperIds.length === 0) return taken;
    // A digest asks this for every chat: one statement, and the packed days are searched as
    // they are, never split into arrays.
    const days: string[] = [];
    const pending = new Set<string>();
    let keptFrom: string | undefined;
    for (const [kind, value] of this.q.taken.all({ chat })) {
      if (kind === DAY) days.push(value);
      else if (kind === PENDING) pending.add(value);
      else keptFrom = value;
    }
    const announced = keptFrom === undefined ? undefined : this.firstAnnounced(paperIds);
    for (const id of paperIds) {
      if (pending.has(id) || days.some((packed) => packedHas(packed, id))) taken.add(id);
      // First announced before the kept window: its id may be compacted away, so it counts
      // as sent (a late cross-list of an old paper is never offered again).
      else if (keptFrom !== undefined && (announced?.get(id) ?? keptFrom) < keptFrom) {
        taken.add(id);
      }
    }
    return taken;
  }

  /**
   * The first announce dates of these papers (those that have one). A paper keeps its first
   * date for good once it has one, so dates are remembered: the chats of a digest run ask
   * about the same day's papers, and only the first asks the store.
   */
  private firstAnnounced(paperIds: readonly string[]): ReadonlyMap<string, string> {
    const known = this.announced;
    let unknown = paperIds.filter((id) => !known.has(id));
    if (unknown.length) {
      if (known.size + unknown.length > ANNOUNCED_LIMIT) {
        // Forgotten: every id asked here is read again.
        known.clear();
        unknown = [...paperIds];
      }
      for (const [id, date] of this.q.firstAnnounced.all(ids(unknown))) known.set(id, date);
    }
    return known;
  }

  /**
   * Records papers that were already sent outside a scheduled delivery (/digest on demand,
   * after the platform confirmed). Papers pending in another digest are left to it.
   */
  recordSent(chat: number, announceDate: string, paperIds: readonly string[]): void {
    this.transaction(() => {
      const taken = this.sentAmong(chat, paperIds);
      const fresh = [...new Set(paperIds)].filter((id) => !taken.has(id));
      this.q.dropRows.run(chat, "failed", ids(fresh));
      this.addSent(chat, announceDate, fresh);
    });
  }

  /**
   * Writes the papers as pending for this chat in one transaction, before anything is sent.
   * Returns the ids actually reserved: ids already pending or sent for the chat are skipped
   * (another digest has them), failed ids are taken again.
   */
  reserve(
    chat: number,
    announceDate: string,
    paperIds: readonly string[],
    batch: string,
    at: string = nowIso(),
  ): string[] {
    return this.transaction(() => {
      const taken = this.sentAmong(chat, paperIds);
      const reserved: string[] = [];
      for (const id of new Set(paperIds)) {
        if (taken.has(id)) continue;
        if (this.q.claim.run(chat, id, announceDate, batch, at).changes > 0) reserved.push(id);
      }
      return reserved;
    });
  }

  /** The platform confirmed the message carrying these papers: pending → the sent ledger. */
  markSent(chat: number, paperIds: readonly string[]): void {
    if (paperIds.length === 0) return;
    this.transaction(() => {
      const byDay = new Map<string, string[]>();
      for (const r of this.q.pendingDays.all(chat, ids(paperIds))) {
        byDay.set(r.announce_date, [...(byDay.get(r.announce_date) ?? []), r.paper_id]);
      }
      for (const [day, sent] of byDay) this.addSent(chat, day, sent);
      this.q.dropRows.run(chat, "pending", ids(paperIds));
    });
  }

  /** The platform refused these papers for good; a later digest may try them again. */
  markFailed(chat: number, paperIds: readonly string[]): void {
    if (paperIds.length) this.q.markFailed.run(chat, ids(paperIds));
  }

  /** Drops every pending row of a chat (the chat is gone); returns how many. */
  dropPending(chat: number): number {
    return this.q.dropPending.run(chat).changes;
  }

  /**
   * Releases pending rows that no open delivery will ever send (left by an older version or a
   * chat merge), so a later digest can select those papers again. Returns how many.
   */
  releaseOrphans(): number {
    return this.q.releaseOrphans.run().changes;
  }

  /** Every pending (in-flight) row, for resuming after a restart. */
  pending(): OutboxEntry[] {
    return this.q.pending.all().map(toEntry);
  }

  /**
   * The ledger of one chat within the retention window (tests, diagnostics): sent papers by
   * day, then pending and failed ones, each group ordered by day and id.
   */
  entries(chat: number): OutboxEntry[] {
    const sent = this.q.ledgerOf.all(chat).flatMap((row) =>
      unpackIds(row.paper_ids).map(
        (paperId): OutboxEntry => ({
          chat,
          paperId,
          announceDate: row.announce_date,
          state: "sent",
          batch: null,
          attempts: 0,
        }),
      ),
    );
    const detail = this.q.detailOf
      .all(chat)
      .map(toEntry)
      .sort((a, b) => a.announceDate.localeCompare(b.announceDate) || cmp(a.paperId, b.paperId));
    return [...sent, ...detail];
  }

  /** Papers per state (sent: every paper ever recorded, compacted days included). */
  counts(): Record<OutboxState, number> {
    const out: Record<OutboxState, number> = { pending: 0, sent: 0, failed: 0 };
    for (const r of this.q.countByState.all()) out[r.state] = r.n;
    out.sent = this.q.sentCount.get() ?? 0;
    return out;
  }

  /**
   * Drops the (chat, paper) detail of days before `before` (YYYY-MM-DD): the packed ids (the
   * count stays) and failed rows, and records `before` as the start of the kept window.
   * Pending rows are never touched: a delivery owns them.
   */
  compact(before: string, at: string = nowIso()): LedgerCompaction {
    return this.transaction(() => {
      this.q.keptFrom.run(before, at);
      return {
        daysCompacted: this.q.compactLedger.run(before).changes,
        failedDropped: this.q.dropOldFailed.run(before).changes,
      };
    });
  }
}

/** schedule_state key: the first day whose (chat, paper) detail the ledger still keeps. */
const KEPT_FROM = "ledger_kept_from";

/** The kinds of row `taken` reads: a packed ledger day, an id in flight, the kept window. */
const DAY = 0;
const PENDING = 1;
const WINDOW = 2;
type Taken = typeof DAY | typeof PENDING | typeof WINDOW;

/** First announce dates remembered at most (a few days of announcements). */
const ANNOUNCED_LIMIT = 50_000;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
