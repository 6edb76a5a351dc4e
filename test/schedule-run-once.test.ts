import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { ManualClock } from "../src/core/clock.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import { SubscriptionStore } from "../src/store/subscriptions.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeTelegram, fakeErrors, startFakeTelegram } from "./fakes/telegram.ts";
import { runOnClock } from "./helpers/clock.ts";

let arxiv: FakeArxiv | undefined;
let tg: FakeTelegram | undefined;
let dir: string | undefined;

afterEach(async () => {
  await arxiv?.close();
  await tg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  arxiv = tg = dir = undefined;
});

/**
 * The fake arXiv's mailing is announced on 2024-04-24 at 20:00 New York (00:00 UTC on the
 * 25th); the run happens two hours later. Pinned, so the run never depends on today's date
 * (on the real clock, today's mailing would be late and its warning the first error line).
 */
const RUN_AT = "2024-04-25T02:00:00Z";

function cli(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const clock = new ManualClock(RUN_AT);
  return {
    out,
    err,
    run: (...args: string[]) =>
      runOnClock(
        clock,
        main(["run-once", ...args], {
          out: (t) => out.push(t),
          err: (t) => err.push(t),
          env,
          stdin: new PassThrough(),
          isTty: false,
          clock,
        }),
      ),
  };
}

/** The arXiv ids a Telegram message links to (its card links). */
const paperIds = (entities: { url?: string }[]) => [
  ...new Set(
    entities.flatMap((e) => {
      const m = /arxiv\.org\/abs\/([^?#/]+)/.exec(e.url ?? "");
      return m?.[1] ? [m[1]] : [];
    }),
  ),
];

describe("sudi run-once", () => {
  it("ingests, summarises and delivers once through the Bot API; a second run sends nothing", async () => {
    arxiv = await startFakeArxiv();
    tg = await startFakeTelegram({ limits: false });
    dir = mkdtempSync(join(tmpdir(), "sudi-run-once-"));
    const dbPath = join(dir, "sudi.db");
    const db = openDatabase(dbPath);
    const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
    const subs = new SubscriptionStore(db);
    const reader = chats.update(
      chats.ensure({ platform: "telegram", chatId: "701", type: "private" }).id,
      {
        density: "brief",
      },
    );
    const group = chats.ensure({ platform: "telegram", chatId: "-100702", type: "group" });
    const gone = chats.ensure({ platform: "telegram", chatId: "703", type: "private" });
    for (const c of [reader, group, gone]) subs.add(c.id, "category", "cs.CV", null);
    subs.add(group.id, "category", "cs.CL", null);
    db.close();
    tg.blockChat("703", fakeErrors.blocked);

    const env = {
      SUDI_DB_PATH: dbPath,
      ARXIV_RSS_URL: arxiv.rssUrl,
      ARXIV_API_URL: arxiv.apiUrl,
      ARXIV_MIN_INTERVAL_MS: "0",
      SUDI_CATEGORIES: "cs.CL,cs.CV,cs.LG",
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      LOG_LEVEL: "info",
    };
    const first = cli(env);
    // The blocked chat is a failure of this run (exit code 1), and only that chat's.
    expect(await first.run()).toBe(1);
    const summary = first.err.map((l) => JSON.parse(l)).find((l) => l.msg === "run");
    expect(summary).toMatchObject({ announceDate: "2024-04-24", digestsSent: 2, failures: 1 });
    expect(summary.papersIngested).toBeGreaterThan(0);
    // Exit code 1 comes with an error line that says what failed, not only a count.
    const failed = first.err.map((l) => JSON.parse(l)).find((l) => l.level === "error");
    expect(failed).toMatchObject({
      msg: "run-once failed: delivery: 1 chat(s) gone (bot removed or blocked)",
      failures: 1,
    });
    expect(tg.sentTo("701").length).toBeGreaterThan(0);
    expect(tg.sentTo("-100702").length).toBeGreaterThan(0);
    expect(tg.sentTo("703")).toEqual([]);
    // Nothing in a log line gives the bot token away.
    expect(first.err.join("\n")).not.toContain(tg.token);

    const check = openDatabase(dbPath);
    const outbox = new OutboxStore(check);
    const after = new ChatStore(check, { timezone: "Asia/Shanghai", digestTime: "09:00" });
    expect(after.byId(gone.id)?.active).toBe(false);
    for (const chat of [reader, group]) {
      const ledger = outbox.entries(chat.id);
      expect(ledger.length).toBeGreaterThan(0);
      expect(ledger.every((e) => e.state === "sent")).toBe(true);
      const shown = tg.sentTo(chat.chatId).flatMap((m) => paperIds(m.entities));
      expect(shown.sort()).toEqual(ledger.map((e) => e.paperId).sort());
    }
    check.close();

    const sentBefore = tg.sent.length;
    const second = cli(env);
    expect(await second.run()).toBe(0);
    expect(tg.sent.length).toBe(sentBefore);
    const line = second.err.map((l) => JSON.parse(l)).find((l) => l.msg === "run");
    expect(line).toMatchObject({ papersIngested: 0, digestsSent: 0, failures: 0 });
  });

  it("rejects unknown options with usage help", async () => {
    expect(await cli({}).run("--everything")).toBe(2);
  });
});
