/**
 * Delivers digests by email through one SMTP server (SUDI_SMTP_URL, nodemailer): one mail per
 * digest, HTML with a plain-text alternative, List-Unsubscribe and List-Unsubscribe-Post
 * (RFC 8058 one-click) headers. SMTP answers become the engine's typed errors: a 4xx (or no
 * connection) is transient and retried; a 5xx refusing the recipient deactivates that chat
 * alone, with the server's answer kept for `sudi chats list`; a 5xx refusing the message is
 * rejected. Unconfirmed addresses (double opt-in pending) get nothing.
 */
import type { Transporter } from "nodemailer";
import type { ChatAddress } from "../../src/core/address.ts";
import type { RichMessage } from "../../src/core/message.ts";
import { webLinks } from "../../src/core/web-links.ts";
import {
  ChatGoneError,
  type Sender,
  SendRejectedError,
  TransientSendError,
} from "../../src/deliver/sender.ts";
import type { Logger } from "../../src/log.ts";
import type { EndpointStore } from "../../src/store/endpoints.ts";
import { renderMail } from "./render.ts";
import { EmailSettingsSchema } from "./settings.ts";

/** The server refused this mail for good (or the address is unconfirmed): no retry helps. */
export class MailRejectedError extends SendRejectedError {
  constructor(chatId: string, responseCode: number | null, detail: string) {
    super(chatId, responseCode ?? 0, detail);
    this.name = "MailRejectedError";
  }
}

export interface EmailSenderOptions {
  endpoints: Pick<EndpointStore, "get" | "deactivate">;
  transport: Pick<Transporter, "sendMail">;
  /** SUDI_MAIL_FROM */
  from: string;
  /** SUDI_PUBLIC_URL: one-click unsubscribe through the archive; without it, mailto: */
  publicUrl?: string;
  log: Logger;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** The bare address of a From value such as "论文速递 <sudi@example.org>". */
function bareAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

export class EmailSender implements Sender {
  readonly platform = "email";

  constructor(private readonly options: EmailSenderOptions) {}

  /** One mail carries the whole digest. */
  split(message: RichMessage): RichMessage[] {
    return [message];
  }

  async sendPart(chat: ChatAddress, part: RichMessage): Promise<string> {
    const endpoint = this.options.endpoints.get("email", chat.chatId);
    if (!endpoint?.active) throw new ChatGoneError(chat.chatId, "no active address");
    const settings = EmailSettingsSchema.parse(endpoint.settings);
    if (!settings.confirmed) {
      throw new MailRejectedError(chat.chatId, null, "the address is not confirmed yet");
    }
    const { publicUrl } = this.options;
    const manage = publicUrl
      ? webLinks(publicUrl).url(`/mail/unsubscribe/${settings.manageToken}`)
      : null;
    const mailto = bareAddress(this.options.from);
    const mail = renderMail(part, manage ? { url: manage } : { mailto });
    const headers: Record<string, string> = manage
      ? {
          "List-Unsubscribe": `<${manage}>, <mailto:${mailto}?subject=unsubscribe>`,
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
      : { "List-Unsubscribe": `<mailto:${mailto}?subject=unsubscribe>` };
    try {
      const info = await this.options.transport.sendMail({
        from: this.options.from,
        to: settings.address,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers,
      });
      return String(info.messageId ?? "");
    } catch (error) {
      const e = (error ?? {}) as SmtpError;
      const code = typeof e.responseCode === "number" ? e.responseCode : null;
      const answer = (e.response ?? "").slice(0, 200);
      if (code === null || (code >= 400 && code < 500)) {
        // A 4xx is the server refusing this try: the mail certainly did not go out. Without
        // an answer (a dropped connection) it may have.
        throw new TransientSendError(`SMTP ${code ?? e.code ?? "error"}: ${answer}`, undefined, {
          cause: error,
          outcome: code === null ? "ambiguous" : "undelivered",
        });
      }
      if (e.code === "EENVELOPE" && e.command === "RCPT TO") {
        const reason = `邮件服务器拒收该地址：${answer || code}`;
        this.options.endpoints.deactivate(endpoint.chat, reason);
        this.options.log.warn("email recipient deactivated", {
          chat: endpoint.chat,
          code,
          answer,
        });
        throw new ChatGoneError(chat.chatId, reason);
      }
      throw new MailRejectedError(chat.chatId, code, answer);
    }
  }
}
