import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMigrations, migrate, openDatabase, SchemaTooNewError } from "../src/store/db.ts";

describe("store migrations", () => {
  it("migrates an empty file to the latest version", () => {
    const db = openDatabase(":memory:");
    const latest = loadMigrations().at(-1)?.version;
    expect(db.pragma("user_version", { simple: true })).toBe(latest);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(expect.arrayContaining(["papers", "cards", "chats", "outbox"]));
  });

  it("re-opening an existing file keeps its data and applies only missing migrations", () => {
    const path = join(mkdtempSync(join(tmpdir(), "sudi-db-")), "sudi.db");
    const all = loadMigrations();
    const first = openDatabase(":memory:");
    first.close();
    // Start from a file migrated to version 1 only.
    const Database = openDatabase(path);
    Database.close();
    const db = openDatabase(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(migrate(db, all)).toBe(all.at(-1)?.version);
    db.close();
  });

  it("refuses a file written by a newer sudi", () => {
    const db = openDatabase(":memory:");
    db.pragma("user_version = 999");
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
  });
});
