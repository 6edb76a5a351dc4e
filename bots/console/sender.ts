/**
 * Delivery to the console: scheduled digests print on standard output, whole (a terminal has
 * no message limit), so the console chat shows what a group would receive.
 */
import type { ChatAddress } from "../../src/core/address.ts";
import type { RichMessage } from "../../src/core/message.ts";
import type { Sender, SendPartOptions } from "../../src/deliver/sender.ts";
import { toPlainText } from "../../src/digest/render/text.ts";

export class ConsoleSender implements Sender {
  readonly platform = "console" as const;
  private sent = 0;

  constructor(
    private readonly write: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
  ) {}

  split(message: RichMessage): RichMessage[] {
    return [message];
  }

  async sendPart(
    _chat: ChatAddress,
    part: RichMessage,
    options: SendPartOptions = {},
  ): Promise<string> {
    options.onRequest?.();
    this.sent++;
    this.write(`${toPlainText(part)}\n`);
    return `console-${this.sent}`;
  }
}
