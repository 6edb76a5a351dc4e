/**
 * The console chat's terminal: a `sudi>` prompt with what the user is typing, and log lines
 * that arrive at any moment. A log line is printed above the prompt (clear the line, print,
 * redraw the prompt with the typed text), never through it, and kept to one terminal line;
 * the full line goes to a log file whose path the greeting names.
 */
import { appendFileSync } from "node:fs";
import type { Interface } from "node:readline";

export class PromptScreen {
  private rl: Interface | null = null;
  /** the prompt is showing (not while a command is being answered) */
  private prompting = false;

  constructor(
    private readonly output: NodeJS.WriteStream = process.stdout,
    /** where full log lines go (null: nowhere but the screen) */
    readonly logFile: string | null = null,
  ) {}

  /** The readline interface that owns the prompt, while the chat runs. */
  attach(rl: Interface): void {
    this.rl = rl;
    rl.on("line", () => {
      this.prompting = false;
    });
    rl.once("close", () => {
      if (this.rl === rl) this.rl = null;
    });
  }

  /** Shows the prompt; log lines from now on go above it. */
  prompt(): void {
    this.prompting = true;
    this.rl?.prompt();
  }

  /** One log line: whole into the file, one terminal line above the prompt. */
  log(line: string): void {
    if (this.logFile) {
      try {
        appendFileSync(this.logFile, `${line}\n`);
      } catch {
        // a full disk must not stop the chat; the screen still shows the line
      }
    }
    this.above(oneLine(line, (this.output.columns || 100) - 1));
  }

  /** Prints text above the prompt, then redraws the prompt and the text being typed. */
  above(text: string): void {
    if (!this.rl || !this.prompting) {
      this.output.write(`${text}\n`);
      return;
    }
    this.output.write("\r\x1b[2K");
    this.output.write(`${text}\n`);
    this.rl.prompt(true);
  }
}

/** The first line of `text`, cut to `width` characters with "…". */
export function oneLine(text: string, width: number): string {
  const first = text.split("\n", 1)[0] ?? "";
  const chars = Array.from(first);
  return chars.length <= width ? first : `${chars.slice(0, Math.max(1, width - 1)).join("")}…`;
}
