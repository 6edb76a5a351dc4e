/**
 * `sudi health`: is the daemon alive? Opens the database read-only and checks the scheduler's
 * heartbeat (written at every tick, once a minute). The container HEALTHCHECK runs it; an
 * operator can too. Exit code 0 when healthy, 1 when not.
 */
import { loadConfig } from "../config.ts";
import { HEARTBEAT_KEY, LAST_RUN_KEY } from "../schedule/scheduler.ts";
import { openDatabase } from "../store/db.ts";
import { DeliveryStore } from "../store/deliveries.ts";
import { OutboxStore } from "../store/outbox.ts";
import { HEALTH_KEY_PREFIX, ScheduleStore } from "../store/schedule.ts";
import { type CliCommand, type CliIo, parseFlags, UsageError } from "./command.ts";

const DEFAULT_MAX_AGE_S = 180;

const HELP = `Usage: sudi health [--max-age SECONDS]

Checks that \`sudi start\` is running: its scheduler writes a heartbeat into the
database every minute. Healthy when the heartbeat is at most SECONDS old (default
${DEFAULT_MAX_AGE_S}) and every component the bot reports on (Telegram's polling, say) is
working. Prints one JSON object (healthy, heartbeat, ageSeconds, lastRun,
pendingDeliveries, components) and exits 0 when healthy, 1 otherwise. Opens the database
read-only, so it is safe next to the running bot (the Docker HEALTHCHECK uses it).`;

function parseHealthArgs(args: string[]): number {
  const { values } = parseFlags(args, { "max-age": { type: "string" } });
  const value = values["max-age"];
  if (value === undefined) return DEFAULT_MAX_AGE_S;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError("expected --max-age SECONDS (a whole number, at least 1)");
  }
  return Number(value);
}

function parseHealth(value: string): { ok: boolean; detail?: string } {
  try {
    const parsed = JSON.parse(value) as { ok?: unknown; detail?: unknown };
    return {
      ok: parsed.ok === true,
      ...(typeof parsed.detail === "string" ? { detail: parsed.detail } : {}),
    };
  } catch {
    return { ok: false, detail: "unreadable health record" };
  }
}

async function run(args: string[], io: CliIo): Promise<number> {
  const maxAge = parseHealthArgs(args);
  const config = loadConfig(io.env);
  let report: Record<string, unknown>;
  try {
    const db = openDatabase(config.SUDI_DB_PATH, { readonly: true });
    try {
      const store = new ScheduleStore(db);
      const beat = store.getState(HEARTBEAT_KEY);
      const last = store.getState(LAST_RUN_KEY);
      const age = beat ? (Date.now() - Date.parse(beat.value)) / 1000 : null;
      const pending = new DeliveryStore(db, new OutboxStore(db)).pendingDeliveries();
      // What the running platforms reported, e.g. Telegram polling stopped by a 409 Conflict.
      const components = Object.fromEntries(
        store
          .statesWithPrefix(HEALTH_KEY_PREFIX)
          .map((s) => [
            s.key.slice(HEALTH_KEY_PREFIX.length),
            { ...parseHealth(s.value), since: s.updatedAt },
          ]),
      );
      const down = Object.values(components).some((c) => !c.ok);
      report = {
        healthy: age !== null && age <= maxAge && !down,
        heartbeat: beat?.value ?? null,
        ageSeconds: age === null ? null : Math.round(age),
        lastRun: last ? JSON.parse(last.value) : null,
        pendingDeliveries: pending,
        components,
      };
    } finally {
      db.close();
    }
  } catch (error) {
    report = { healthy: false, error: error instanceof Error ? error.message : String(error) };
  }
  io.out(JSON.stringify(report));
  return report.healthy ? 0 : 1;
}

export const command: CliCommand = {
  name: "health",
  help: HELP,
  run,
};
