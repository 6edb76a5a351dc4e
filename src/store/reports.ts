/**
 * What 周报 and 月报 keep in the store: each chat's roll-up frequency and report layout
 * (columns of `chats`), and the popularity cache (table `popularity`). Report deliveries
 * themselves use the ordinary delivery records (src/store/outbox.ts), keyed by the period.
 */
import { type Db, nowIso } from "./db.ts";

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

  putSignal(source: string, key: string, value: number | null, at: string = nowIso()): void {
    this.q.putSignal.run(source, key, value, at);
  }
}
