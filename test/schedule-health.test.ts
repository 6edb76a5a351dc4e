import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { HEARTBEAT_KEY } from "../src/schedule/scheduler.ts";
import { openDatabase } from "../src/store/db.ts";
import { ScheduleStore } from "../src/store/schedule.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function health(dbPath: string, ...args: string[]) {
  const out: string[] = [];
  const code = await main(["health", ...args], {
    out: (t) => out.push(t),
    err: (t) => out.push(t),
    env: { SUDI_DB_PATH: dbPath },
    stdin: new PassThrough(),
    isTty: false,
  });
  const first = out[0] ?? "";
  return { code, report: first.startsWith("{") ? JSON.parse(first) : { text: first } };
}

function withHeartbeat(ageMs: number): string {
  dir = mkdtempSync(join(tmpdir(), "sudi-health-"));
  const path = join(dir, "sudi.db");
  const db = openDatabase(path);
  const at = new Date(Date.now() - ageMs).toISOString();
  new ScheduleStore(db).setState(HEARTBEAT_KEY, at, at);
  db.close();
  return path;
}

describe("sudi health", () => {
  it("is healthy while the scheduler's heartbeat is fresh", async () => {
    const { code, report } = await health(withHeartbeat(30_000));
    expect(code).toBe(0);
    expect(report).toMatchObject({ healthy: true, ageSeconds: 30, pendingDeliveries: 0 });
  });

  it("is unhealthy when the heartbeat is older than --max-age", async () => {
    const path = withHeartbeat(120_000);
    expect((await health(path, "--max-age", "60")).code).toBe(1);
    expect((await health(path)).code).toBe(0);
  });

  it("is unhealthy without a database or a heartbeat, and never creates the file", async () => {
    dir = mkdtempSync(join(tmpdir(), "sudi-health-"));
    const missing = await health(join(dir, "none.db"));
    expect(missing.code).toBe(1);
    expect(missing.report.healthy).toBe(false);
    expect(existsSync(join(dir, "none.db"))).toBe(false);
    const path = join(dir, "fresh.db");
    openDatabase(path).close();
    expect((await health(path)).report).toMatchObject({ healthy: false, heartbeat: null });
  });

  it("rejects a bad --max-age", async () => {
    expect((await health("x.db", "--max-age", "soon")).code).toBe(2);
  });
});
