/**
 * Email as a platform of `sudi chats`: `--to a@b.c` makes one chat per address. With the web
 * archive (SUDI_PUBLIC_URL), the address must confirm first: the chat stays paused and gets a
 * confirmation mail; nothing else is sent until the link is clicked (src/web/mail.ts). Without
 * it, an address the operator adds is trusted, and unsubscribing is by mailto:.
 */
import nodemailer from "nodemailer";
import type { App } from "../../src/app.ts";
import type { Config } from "../../src/config.ts";
import { MAIL } from "../../src/core/texts/mail.ts";
import { webLinks } from "../../src/core/web-links.ts";
import { EndpointOptionError, type PlatformAdapter } from "../platform.ts";
import { emailConfig, readEmailConfig } from "./config.ts";
import { EmailSender } from "./sender.ts";
import { EmailAddressSchema, EmailSettingsSchema, newMailToken } from "./settings.ts";

function mailConfig(config: Config): { url: string; from: string } {
  const c = readEmailConfig(config);
  if (!c.SUDI_SMTP_URL) throw new EndpointOptionError("to", "set SUDI_SMTP_URL first");
  if (!c.SUDI_MAIL_FROM) throw new EndpointOptionError("to", "set SUDI_MAIL_FROM first");
  return { url: c.SUDI_SMTP_URL, from: c.SUDI_MAIL_FROM };
}

/** One SMTP connection pool per process and URL. */
const transports = new Map<string, nodemailer.Transporter>();
function transportFor(url: string): nodemailer.Transporter {
  let t = transports.get(url);
  if (!t) {
    t = nodemailer.createTransport(url);
    transports.set(url, t);
  }
  return t;
}

function sender(app: App): EmailSender {
  const { url, from } = mailConfig(app.config);
  return new EmailSender({
    endpoints: app.endpoints,
    transport: transportFor(url),
    from,
    publicUrl: app.config.SUDI_PUBLIC_URL,
    log: app.log.child({ platform: "email" }),
  });
}

export const email: PlatformAdapter = {
  platform: "email",
  enabledBy: "SUDI_SMTP_URL, SUDI_MAIL_FROM and sudi chats add email",
  config: emailConfig,
  options: {
    to: {
      type: "string",
      required: true,
      description: "the reader's address, e.g. reader@example.org",
    },
  },
  configured: () => false,
  chats: {
    summary: "an email address (SUDI_SMTP_URL, SUDI_MAIL_FROM)",
    endpoint: (values, config) => {
      mailConfig(config);
      const parsed = EmailAddressSchema.safeParse(values.to);
      if (!parsed.success) throw new EndpointOptionError("to", "expected an email address");
      const address = parsed.data;
      return {
        address: { platform: "email", chatId: address, type: "private", title: address },
        settings: {
          address,
          confirmed: !config.SUDI_PUBLIC_URL,
          confirmToken: newMailToken(),
          manageToken: newMailToken(),
        },
      };
    },
    afterAdd: async (chat, app) => {
      const settings = EmailSettingsSchema.parse(app.endpoints.get("email", chat.chatId)?.settings);
      const publicUrl = app.config.SUDI_PUBLIC_URL;
      if (settings.confirmed || !publicUrl) return [MAIL.cliTrusted];
      app.chats.update(chat.id, { paused: true });
      const { url, from } = mailConfig(app.config);
      const link = webLinks(publicUrl).url(`/mail/confirm/${settings.confirmToken}`);
      await transportFor(url).sendMail({
        from,
        to: settings.address,
        subject: MAIL.confirmSubject,
        text: MAIL.confirmBody(link),
      });
      return [MAIL.cliConfirmSent(settings.address)];
    },
    describe: (settings) => {
      const parsed = EmailSettingsSchema.safeParse(settings);
      if (!parsed.success) return "邮箱（设置无效）";
      return parsed.data.confirmed ? "邮箱已确认" : MAIL.pendingConfirmation;
    },
  },
  start: async (app) => ({ platform: "email", sender: sender(app), stop: async () => {} }),
  sender: async (app) => sender(app),
};
