import { describe, expect, it } from "vitest";
import { createLogger, redact, registerSecrets } from "../src/log.ts";

describe("logger", () => {
  it("drops lines below its level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "warn", json: true, write: (l) => lines.push(l) });
    log.info("quiet");
    log.warn("loud", { chat: "42" });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ level: "warn", msg: "loud", chat: "42" });
  });

  it("never prints a registered secret, wherever it hides", () => {
    const lines: string[] = [];
    const token = "987654:AAE-very-secret";
    const log = createLogger({
      level: "debug",
      json: false,
      secrets: [token],
      write: (l) => lines.push(l),
    });
    log.error("request failed", {
      url: `https://api.telegram.org/bot${token}/getMe`,
      error: new Error(`bad ${token}`),
    });
    log.child({ token }).info("child");
    expect(lines.join("\n")).not.toContain(token);
    expect(lines.join("\n")).toContain("[redacted]");
  });

  it("redacts secrets registered later from any text", () => {
    registerSecrets(["sk-later-key"]);
    expect(redact("key=sk-later-key")).toBe("key=[redacted]");
  });
});
