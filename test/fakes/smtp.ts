/**
 * A real SMTP server in the test process (smtp-server, from nodemailer's authors) on 127.0.0.1:
 * it keeps every accepted message raw, and answers RCPT TO for chosen recipients with a
 * scripted code (a 450 for the first N tries, a 550 always), as real servers do.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface FakeSmtp {
  url: string;
  mails: ReceivedMail[];
  /** RCPT TO answers for an address: `code` for the next `times` tries (Infinity: always) */
  refuse(address: string, code: number, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(): Promise<FakeSmtp> {
  const mails: ReceivedMail[] = [];
  const refusals = new Map<string, { code: number; left: number }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const r = refusals.get(address.address.toLowerCase());
      if (r && r.left > 0) {
        r.left--;
        const error = new Error(
          r.code >= 500 ? "5.1.1 mailbox unavailable" : "4.2.1 try again later",
        ) as Error & { responseCode: number };
        error.responseCode = r.code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuse: (address, code, times = Number.POSITIVE_INFINITY) => {
      refusals.set(address.toLowerCase(), { code, left: times });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One MIME part: its headers (lower-case names) and its decoded body. */
export interface MimePart {
  headers: Map<string, string>;
  body: string;
  parts: MimePart[];
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === "base64")
    return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** A small MIME reader for tests: headers, multipart bodies, transfer encodings. */
export function parseMime(raw: string): MimePart {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const type = headers.get("content-type") ?? "";
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (type.startsWith("multipart/") && boundary) {
    const pieces = body.split(`--${boundary}`).slice(1, -1);
    return { headers, body: "", parts: pieces.map((p) => parseMime(p.replace(/^\r\n/, ""))) };
  }
  return { headers, body: decode(body, headers.get("content-transfer-encoding")), parts: [] };
}
