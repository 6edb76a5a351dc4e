/**
 * The command table is the one place command knowledge lives: the admin rule, aliases and
 * argument limits come from it (collected from the modules' declarations), and the handler
 * refuses to run when it and the implementations disagree.
 */
import { describe, expect, it } from "vitest";
import { MAX_DIGEST_LIMIT, MIN_DIGEST_LIMIT } from "../src/commands/settings.ts";
import { COMMAND_MODULES, COMMANDS, commandNamed } from "../src/commands/table.ts";
import { GROUP, setup } from "./commands-setup.ts";

describe("the command table", () => {
  it("gives every command its help, and every argument a min and max", () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(
      COMMAND_MODULES.flatMap((m) => Object.keys(m.specs)),
    );
    for (const c of COMMANDS) {
      expect(c.usage.startsWith(`/${c.name}`)).toBe(true);
      if (c.argument) expect(c.argument.min).toBeLessThanOrEqual(c.argument.max);
    }
    expect(commandNamed("sub")?.name).toBe("subscribe");
    expect(commandNamed("unsub")?.name).toBe("unsubscribe");
    expect(commandNamed("constructor")).toBeUndefined();
  });

  it("is where /setlimit's range comes from", async () => {
    expect(commandNamed("setlimit")?.argument).toMatchObject({ kind: "integer", min: 1, max: 30 });
    expect([MIN_DIGEST_LIMIT, MAX_DIGEST_LIMIT]).toEqual([1, 30]);
    const s = setup();
    expect(await s.say("/setlimit 31")).toContain("1 到 30");
    expect(await s.say("/setlimit 30")).toContain("30 篇");
  });

  it("decides who may use a command in a group: only those that affect delivery ask", async () => {
    // one app, and a group of its own for each command, so no command sees another's state
    const s = setup();
    for (const [i, c] of COMMANDS.entries()) {
      s.adminChecks = 0;
      await s.send(c.argument?.kind === "integer" ? `/${c.name} 5` : `/${c.name}`, {
        admin: false,
        chat: { ...GROUP, chatId: `-100${i}`, title: `群 ${c.name}` },
      });
      expect({ command: c.name, asked: s.adminChecks > 0 }).toEqual({
        command: c.name,
        asked: c.affectsDelivery,
      });
    }
  });
});
