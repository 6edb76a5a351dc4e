/**
 * What 周报 and 月报 keep in the store: each chat's roll-up frequency and report layout
 * (columns of `chats`), the popularity cache (table `popularity`), and the affiliations the
 * deep-read cards name (table `deep_cards`, read only). Report deliveries
 * themselves use the ordinary delivery records (src/store/outbox.ts), keyed by the period.
 */
import { type Card, CardSchema } from "./card.ts";
import { type Db, nowIso } from "./db.ts";
import { type Paper, PaperSchema } from "./paper.ts";
import { type PaperColumns, paperFields } from "./papers.ts";

export type Frequency = "daily" | "weekly" | "monthly";
export const FREQUENCIES: readonly Frequency[] = ["daily", "weekly", "monthly"];
export type ReportFormat = "headlines" | "table";

/** A chat's roll-up settings. */
export interface ReportSettings {
  chat: number;
  /** never empty; in the order daily, weekly, monthly */
  frequency: Frequency[];
  /** when the frequency last changed (ISO), null for chats that never changed it */
  since: string | null;
  format: ReportFormat;
}

/** A cached popularity value: `value` null when the source knows no such key. */
export interface CachedSignal {
  value: number | null;
  fetchedAt: string;
}

interface ListedRow extends PaperColumns {
  card: string | null;
}

interface SettingsRow {
  id: number;
  frequency: string;
  frequency_since: string | null;
  report_format: string;
}

export function parseFrequency(text: string): Frequency[] {
  const set = new Set(text.split(/[+,]/));
  const out = FREQUENCIES.filter((f) => set.has(f));
  return out.length ? out : ["daily"];
}

const toSettings = (r: SettingsRow): ReportSettings => ({
  chat: r.id,
  frequency: parseFrequency(r.frequency),
  since: r.frequency_since,
  format: r.report_format === "table" ? "table" : "headlines",
});

export class ReportStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      settings: db.prepare<[number], SettingsRow>(
        "SELECT id, frequency, frequency_since, report_format FROM chats WHERE id = ?",
      ),
      setFrequency: db.prepare<[string, string, string, number]>(
        "UPDATE chats SET frequency = ?, frequency_since = ?, updated_at = ? WHERE id = ?",
      ),
      setFormat: db.prepare<[string, string, number]>(
        "UPDATE chats SET report_format = ?, updated_at = ? WHERE id = ?",
      ),
      withFrequency: db
        .prepare<[string], number>(
          `SELECT id FROM chats WHERE active = 1 AND paused = 0
             AND ('+' || frequency || '+') LIKE ('%+' || ? || '+%') ORDER BY id`,
        )
        .pluck(),
      withoutDaily: db
        .prepare<[], number>(
          `SELECT id FROM chats WHERE active = 1 AND ('+' || frequency || '+') NOT LIKE '%+daily+%'`,
        )
        .pluck(),
      allSettings: db.prepare<[string], SettingsRow>(
        `SELECT id, frequency, frequency_since, report_format FROM chats
           WHERE id IN (SELECT value FROM json_each(?))`,
      ),
      signal: db.prepare<[string, string], { value: number | null; fetched_at: string }>(
        "SELECT value, fetched_at FROM popularity WHERE source = ? AND key = ?",
      ),
      allSignals: db.prepare<[string], { key: string; value: number | null }>(
        "SELECT key, value FROM popularity WHERE source = ?",
      ),
      // One row per paper the announcement listed, with its best card (cards.ts's order: a
      // real card over a fallback, then the latest version): read row by row while a period
      // is indexed, so no day's papers are held at once.
      listed: db.prepare<[string], ListedRow>(
        `SELECT p.id, p.version, p.title, p.abstract, p.authors, p.primary_category,
                p.categories, p.comment, p.journal_ref, p.doi, p.published, p.updated,
                p.announce_date, p.announce_type, p.code_url,
                (SELECT c.card FROM cards AS c WHERE c.paper_id = p.id
                  ORDER BY c.fallback ASC, c.version DESC, c.created_at DESC LIMIT 1) AS card
           FROM announcements AS a JOIN papers AS p ON p.id = a.paper_id
           WHERE a.announce_date = ?
           ORDER BY a.type = 'cross', p.id`,
      ),
      subscribedPhrases: db.prepare<[], { kind: string; value: string }>(
        `SELECT DISTINCT kind, value FROM subscriptions WHERE kind IN ('keyword', 'author')`,
      ),
      mutedPhrases: db.prepare<[], string>("SELECT DISTINCT phrase FROM mutes").pluck(),
      deepAffiliations: db.prepare<[string], { paper_id: string; affiliations: string | null }>(
        `SELECT paper_id, json_extract(card, '$.affiliations') AS affiliations FROM deep_cards
           WHERE paper_id IN (SELECT value FROM json_each(?))
           ORDER BY paper_id, version DESC, created_at DESC`,
      ),
      putSignal: db.prepare<[string, string, number | null, string]>(
        `INSERT INTO popularity (source, key, value, fetched_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (source, key) DO UPDATE SET value = excluded.value,
           fetched_at = excluded.fetched_at`,
      ),
    };
  }

  settings(chat: number): ReportSettings {
    const row = this.q.settings.get(chat);
    return row ? toSettings(row) : { chat, frequency: ["daily"], since: null, format: "headlines" };
  }

  /** Settings of many chats at once (the scheduler's chunks). */
  settingsOf(chats: readonly number[]): Map<number, ReportSettings> {
    const rows = this.q.allSettings.all(JSON.stringify(chats));
    return new Map(rows.map((r) => [r.id, toSettings(r)]));
  }

  setFrequency(chat: number, frequency: readonly Frequency[], at: string = nowIso()): void {
    const ordered = FREQUENCIES.filter((f) => frequency.includes(f));
    this.q.setFrequency.run(ordered.join("+") || "daily", at, at, chat);
  }

  setFormat(chat: number, format: ReportFormat): void {
    this.q.setFormat.run(format, nowIso(), chat);
  }

  /** Active, unpaused chats that receive `frequency`, by id. */
  chatsWith(frequency: Frequency): number[] {
    return this.q.withFrequency.all(frequency);
  }

  /** Active chats that asked not to receive the daily digest. */
  chatsWithoutDaily(): Set<number> {
    return new Set(this.q.withoutDaily.all());
  }

  signal(source: string, key: string): CachedSignal | undefined {
    const row = this.q.signal.get(source, key);
    return row ? { value: row.value, fetchedAt: row.fetched_at } : undefined;
  }

  /** Every cached value of a source (the bulk run reads them once). */
  allSignals(source: string): Map<string, number | null> {
    return new Map(this.q.allSignals.all(source).map((r) => [r.key, r.value]));
  }

  /**
   * The papers an announcement listed as new or cross (new first, then by id), each with its
   * best card when it has one, one at a time: indexing a month of them keeps only what the
   * index needs. Rows that no longer fit the schemas are skipped (a card) or left out.
   */
  *listedWithCards(date: string): Generator<{ paper: Paper; card: Card | undefined }> {
    for (const row of this.q.listed.iterate(date)) {
      const paper = PaperSchema.safeParse(paperFields(row));
      if (!paper.success) continue;
      const card = row.card ? CardSchema.safeParse(JSON.parse(row.card)) : undefined;
      yield { paper: paper.data, card: card?.success ? card.data : undefined };
    }
  }

  /**
   * Every keyword and followed author some chat subscribes to, and every muted phrase: what
   * indexing a period looks for in the papers' texts, so the texts need not be kept.
   */
  phrases(): { keywords: string[]; authors: string[]; mutes: string[] } {
    const keywords: string[] = [];
    const authors: string[] = [];
    for (const row of this.q.subscribedPhrases.all()) {
      (row.kind === "keyword" ? keywords : authors).push(row.value);
    }
    return { keywords, authors, mutes: this.q.mutedPhrases.all() };
  }

  /**
   * Affiliations the deep-read cards (深读, from the full text's title block) name for these
   * papers: the newest version's card that names any. Papers without one are left out.
   */
  deepAffiliations(paperIds: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (paperIds.length === 0) return out;
    for (const row of this.q.deepAffiliations.iterate(JSON.stringify(paperIds))) {
      if (out.has(row.paper_id) || !row.affiliations) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.affiliations);
      } catch {
        continue; // a row that no longer fits is treated as absent
      }
      if (!Array.isArray(parsed)) continue;
      const names = parsed.filter((a): a is string => typeof a === "string" && a.trim() !== "");
      if (names.length > 0) out.set(row.paper_id, names);
    }
    return out;
  }

  putSignal(source: string, key: string, value: number | null, at: string = nowIso()): void {
    this.q.putSignal.run(source, key, value, at);
  }
}
