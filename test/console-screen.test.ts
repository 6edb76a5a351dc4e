import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { oneLine, PromptScreen } from "../bots/console/screen.ts";

/** A terminal of 80 columns that records everything written to it. */
function terminal() {
  const output = Object.assign(new PassThrough(), { columns: 80, isTTY: true });
  let written = "";
  output.on("data", (d: Buffer) => {
    written += d.toString("utf8");
  });
  return { output, written: () => written };
}

describe("the console chat's screen", () => {
  it("prints a log line above the prompt and redraws what the user was typing", async () => {
    const term = terminal();
    const input = new PassThrough();
    const file = join(mkdtempSync(join(tmpdir(), "sudi-screen-")), "console.log");
    const screen = new PromptScreen(term.output as unknown as NodeJS.WriteStream, file);
    const rl = createInterface({ input, output: term.output, terminal: true, prompt: "sudi> " });
    screen.attach(rl);
    screen.prompt();
    input.write("/paper 2404");
    await new Promise((r) => setImmediate(r));
    const warn = `WARN  arXiv fetch for /paper failed paper=2404.14469 error=${"ArxivNetworkError: getaddrinfo ENOTFOUND export.arxiv.org ".repeat(6)}`;
    const before = term.written().length;
    screen.log(warn);
    const after = term.written().slice(before);
    // clear the prompt line, one short line, then the prompt with the typed text again
    expect(after.startsWith("\r\x1b[2K")).toBe(true);
    const printed = after.slice(5).split("\n")[0] ?? "";
    expect(printed).toBe(oneLine(warn, 79));
    expect(Array.from(printed)).toHaveLength(79);
    expect(after).toContain("sudi> /paper 2404");
    // the whole line is in the file the greeting names
    expect(readFileSync(file, "utf8")).toBe(`${warn}\n`);
    rl.close();
  });

  it("without a prompt (the chat has ended) it just prints the line", () => {
    const term = terminal();
    const screen = new PromptScreen(term.output as unknown as NodeJS.WriteStream, null);
    screen.log("INFO  stopped");
    expect(term.written()).toBe("INFO  stopped\n");
  });
});
