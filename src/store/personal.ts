/**
 * What a chat tells sudi about its taste beyond subscriptions: muted words and a minimum
 * 推荐指数. Both belong to the chat (in a group, its admins set them, like subscriptions).
 */
import { type Db, nowIso } from "./db.ts";

/** A chat's filters, as the digest applies them. */
export interface ChatFilters {
  /** folded phrases (NFKC, lower case, simplified) */
  mutes: string[];
  /** 1–5, or null for none */
  minScore: number | null;
}

export class PersonalStore {
  private readonly addMute;
  private readonly removeMute;
  private readonly listMutes;
  private readonly setMin;
  private readonly getMin;
  private readonly bulkMutes;
  private readonly bulkMin;

  constructor(db: Db) {
    this.addMute = db.prepare(
      "INSERT INTO mutes (chat, phrase, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
    this.removeMute = db.prepare("DELETE FROM mutes WHERE chat = ? AND phrase = ?");
    this.listMutes = db
      .prepare<[number], string>("SELECT phrase FROM mutes WHERE chat = ? ORDER BY created_at")
      .pluck();
    this.setMin = db.prepare("UPDATE chats SET min_score = ? WHERE id = ?");
    this.getMin = db
      .prepare<[number], number | null>("SELECT min_score FROM chats WHERE id = ?")
      .pluck();
    this.bulkMutes = db
      .prepare<[string], [number, string]>(
        "SELECT chat, phrase FROM mutes WHERE chat IN (SELECT value FROM json_each(?))",
      )
      .raw();
    this.bulkMin = db
      .prepare<[string], [number, number]>(
        `SELECT id, min_score FROM chats
         WHERE min_score IS NOT NULL AND id IN (SELECT value FROM json_each(?))`,
      )
      .raw();
  }

  /** Adds a muted phrase; false when the chat had it already. */
  mute(chat: number, phrase: string): boolean {
    return this.addMute.run(chat, phrase, nowIso()).changes > 0;
  }

  unmute(chat: number, phrase: string): boolean {
    return this.removeMute.run(chat, phrase).changes > 0;
  }

  mutes(chat: number): string[] {
    return this.listMutes.all(chat);
  }

  setMinScore(chat: number, score: number | null): void {
    this.setMin.run(score, chat);
  }

  minScore(chat: number): number | null {
    return this.getMin.get(chat) ?? null;
  }

  /** Filters of many chats in two queries (chats without any get the empty filter). */
  filtersFor(chatIds: readonly number[]): Map<number, ChatFilters> {
    const json = JSON.stringify(chatIds);
    const out = new Map<number, ChatFilters>();
    const get = (chat: number) => {
      let f = out.get(chat);
      if (!f) {
        f = { mutes: [], minScore: null };
        out.set(chat, f);
      }
      return f;
    };
    for (const [chat, phrase] of this.bulkMutes.all(json)) get(chat).mutes.push(phrase);
    for (const [chat, min] of this.bulkMin.all(json)) get(chat).minScore = min;
    return out;
  }
}
