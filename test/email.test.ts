/**
 * Email delivery against a real SMTP server in the test process: `sudi chats add email` with
 * the archive (double opt-in: nothing is sent before the confirmation link is clicked) and
 * without it (trusted, mailto: unsubscribe); the digest mail's MIME structure (HTML with a
 * plain-text alternative), escaping, RFC 8058 headers and one-click unsubscribe through the
 * archive; the topics page; SMTP 4xx retried, a recipient's 5xx deactivating that chat alone.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailRejectedError } from "../bots/email/sender.ts";
import { type App, buildApp } from "../src/app.ts";
import type { CliIo } from "../src/cli/command.ts";
import { main } from "../src/cli.ts";
import { DeliveryEngine } from "../src/deliver/engine.ts";
import type { Sender } from "../src/deliver/sender.ts";
import { silentLogger } from "../src/log.ts";
import type { EndpointStore } from "../src/store/endpoints.ts";
import { startWebServer, type WebServer } from "../src/web/server.ts";
import { webDeps } from "../src/web/wiring.ts";
import { type FakeSmtp, type MimePart, parseMime, startFakeSmtp } from "./fakes/smtp.ts";
import { HOSTILE_ID, sampleApp } from "./helpers/web-archive.ts";

const PUBLIC = "https://papers.example.org";
const FROM = "论文速递 <sudi@example.org>";

let smtp: FakeSmtp;
beforeAll(async () => {
  smtp = await startFakeSmtp();
});
afterAll(() => smtp.close());

async function sudi(env: Record<string, string>, ...argv: string[]) {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
    env,
    stdin: process.stdin,
    isTty: false,
  };
  return { code: await main(argv, io), out, err };
}

interface World {
  env: Record<string, string>;
  app: App;
  services: App;
  endpoints: EndpointStore;
  web: WebServer;
  base: string;
  close(): Promise<void>;
}

async function world(withArchive: boolean): Promise<World> {
  const dbPath = join(mkdtempSync(join(tmpdir(), "sudi-mail-")), "sudi.db");
  const env: Record<string, string> = {
    SUDI_DB_PATH: dbPath,
    LOG_LEVEL: "silent",
    OPENAI_API_KEY: "",
    SUDI_SMTP_URL: smtp.url,
    SUDI_MAIL_FROM: FROM,
    ...(withArchive ? { SUDI_PUBLIC_URL: PUBLIC } : {}),
  };
  (await sampleApp(dbPath)).app.close();
  const app = buildApp({ env, dotenv: {}, log: silentLogger });
  const services = app;
  const web = await startWebServer(webDeps(app), {
    port: 0,
    host: "127.0.0.1",
  });
  return {
    env,
    app,
    services,
    endpoints: app.endpoints,
    web,
    base: `http://127.0.0.1:${web.port}`,
    close: async () => {
      await web.stop();
      app.close();
    },
  };
}

async function engineOf(w: World): Promise<{ engine: DeliveryEngine; sender: Sender }> {
  const senders = await w.app.senders({ out: () => {}, stdin: process.stdin, interactive: false });
  const sender = senders.find((s) => s.platform === "email");
  if (!sender) throw new Error("no email sender");
  const engine = new DeliveryEngine(
    {
      outbox: w.services.outbox,
      deliveries: w.services.deliveries,
      chats: w.services.chats,
      senders: { email: sender },
    },
    { retries: 2, backoffMs: 1 },
  );
  return { engine, sender };
}

const local = (w: World, url: string) => url.replace(PUBLIC, w.base);
const chatOf = (w: World, address: string) => {
  const chat = w.services.chats.find("email", address);
  if (!chat) throw new Error(`no chat ${address}`);
  return chat;
};
const textOf = (mime: MimePart, type: string) =>
  mime.parts.find((p) => (p.headers.get("content-type") ?? "").startsWith(type))?.body ?? "";

describe("with the web archive: double opt-in", () => {
  let w: World;
  let manage = "";
  beforeAll(async () => {
    w = await world(true);
  });
  afterAll(() => w.close());

  it("adds the address paused and sends only a confirmation mail", async () => {
    const before = smtp.mails.length;
    const r = await sudi(
      w.env,
      "chats",
      "add",
      "email",
      "--to",
      "Reader@Example.org",
      "--topics",
      "文生视频",
    );
    expect(r.err).toBe("");
    expect(r.out).toContain("已向 reader@example.org 发送确认邮件");
    expect(smtp.mails.length).toBe(before + 1);
    const mail = smtp.mails.at(-1);
    expect(mail?.to).toEqual(["reader@example.org"]);
    expect(chatOf(w, "reader@example.org").paused).toBe(true);
    // nothing but the confirmation: the sender refuses an unconfirmed address
    const { sender } = await engineOf(w);
    await expect(
      sender.sendPart(
        { platform: "email", chatId: "reader@example.org", type: "private" },
        { blocks: [] },
      ),
    ).rejects.toBeInstanceOf(MailRejectedError);
    expect(smtp.mails.length).toBe(before + 1);
    expect((await sudi(w.env, "chats", "list")).out).toContain("等待读者点击确认链接");
  });

  it("confirms on POST, never on GET (mail scanners open links)", async () => {
    const mime = parseMime(smtp.mails.at(-1)?.raw ?? "");
    const link =
      /https:\/\/papers\.example\.org\/mail\/confirm\/[A-Za-z0-9_-]{43}/.exec(mime.body)?.[0] ?? "";
    expect(link).not.toBe("");
    const page = await fetch(local(w, link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("确认订阅");
    expect(chatOf(w, "reader@example.org").paused).toBe(true);
    const done = await fetch(local(w, link), { method: "POST" });
    expect(await done.text()).toContain("已确认");
    expect(chatOf(w, "reader@example.org").paused).toBe(false);
    expect((await fetch(local(w, link.replace(/.{5}$/, "AAAAA")), { method: "POST" })).status).toBe(
      404,
    );
  });

  it("sends the digest as HTML with a plain-text alternative, escaped, with RFC 8058 headers", async () => {
    const { engine } = await engineOf(w);
    const chat = chatOf(w, "reader@example.org");
    const digest = w.services.digests.forChat(chat);
    expect(digest).not.toBeNull();
    if (digest) expect(await engine.deliver(digest)).toBe("sent");
    const mime = parseMime(smtp.mails.at(-1)?.raw ?? "");
    expect(mime.headers.get("content-type")).toMatch(/^multipart\/alternative/);
    expect(mime.parts.map((p) => (p.headers.get("content-type") ?? "").split(";")[0])).toEqual([
      "text/plain",
      "text/html",
    ]);
    const html = textOf(mime, "text/html");
    const text = textOf(mime, "text/plain");
    expect(html).toContain("恶意标题 &lt;b&gt;加粗&lt;/b&gt;");
    expect(html).not.toMatch(/<script|<b>加粗/);
    expect(text).toContain(`恶意标题 <b>加粗</b>`); // plain text is plain
    expect(text).toContain(HOSTILE_ID);
    const unsubscribe = mime.headers.get("list-unsubscribe") ?? "";
    manage = /<(https:[^>]+)>/.exec(unsubscribe)?.[1] ?? "";
    expect(manage).toMatch(
      /^https:\/\/papers\.example\.org\/mail\/unsubscribe\/[A-Za-z0-9_-]{43}$/,
    );
    expect(mime.headers.get("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    expect(text).toContain(manage);
  });

  it("lets the reader change topics on the unsubscribe page", async () => {
    const page = await (await fetch(local(w, manage))).text();
    expect(page).toContain('name="topic" value="text-to-video" checked');
    const action = /action="(\/mail\/topics\/[^"]+)"/.exec(page)?.[1] ?? "";
    const res = await fetch(w.base + action, {
      method: "POST",
      body: new URLSearchParams([
        ["topic", "agent"],
        ["topic", "alignment"],
        ["topic", "<bogus>"],
      ]),
    });
    expect(await res.text()).toContain("现在订阅了 2 个主题");
    const subs = w.services.subscriptions.list(chatOf(w, "reader@example.org").id);
    expect(subs.map((s) => s.value).sort()).toEqual(["agent", "alignment"]);
  });

  it("unsubscribes with the mail client's one-click POST", async () => {
    const res = await fetch(local(w, manage), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(200);
    expect(chatOf(w, "reader@example.org").active).toBe(false);
    expect((await sudi(w.env, "chats", "list")).out).toContain("已停用：读者通过退订链接退订");
  });
});

describe("without the web archive", () => {
  it("trusts an address the operator adds and unsubscribes by mailto:", async () => {
    const w = await world(false);
    try {
      const r = await sudi(
        w.env,
        "chats",
        "add",
        "email",
        "--to",
        "lab@example.org",
        "--topics",
        "智能体",
      );
      expect(r.out).toContain("管理员添加的地址直接生效");
      const { engine } = await engineOf(w);
      const digest = w.services.digests.forChat(chatOf(w, "lab@example.org"));
      if (digest) expect(await engine.deliver(digest)).toBe("sent");
      const mime = parseMime(smtp.mails.at(-1)?.raw ?? "");
      expect(smtp.mails.at(-1)?.to).toEqual(["lab@example.org"]);
      expect(mime.headers.get("list-unsubscribe")).toBe(
        "<mailto:sudi@example.org?subject=unsubscribe>",
      );
      expect(mime.headers.has("list-unsubscribe-post")).toBe(false);
    } finally {
      await w.close();
    }
  });
});

describe("SMTP errors", () => {
  it("retries a 4xx, and a recipient's 5xx deactivates only that recipient", async () => {
    const w = await world(false);
    try {
      for (const to of ["busy@example.org", "gone@example.org"]) {
        await sudi(w.env, "chats", "add", "email", "--to", to, "--topics", "文生视频");
      }
      smtp.refuse("busy@example.org", 451, 1);
      smtp.refuse("gone@example.org", 550);
      const { engine } = await engineOf(w);
      const busy = w.services.digests.forChat(chatOf(w, "busy@example.org"));
      const gone = w.services.digests.forChat(chatOf(w, "gone@example.org"));
      if (!busy || !gone) throw new Error("no digests");
      expect(await engine.deliver(gone)).toBe("gone");
      expect(await engine.deliver(busy)).toBe("sent");
      expect(smtp.mails.filter((m) => m.to.includes("busy@example.org"))).toHaveLength(1);
      expect(smtp.mails.filter((m) => m.to.includes("gone@example.org"))).toHaveLength(0);
      expect(chatOf(w, "gone@example.org").active).toBe(false);
      expect(chatOf(w, "busy@example.org").active).toBe(true);
      expect((await sudi(w.env, "chats", "list")).out).toContain("已停用：邮件服务器拒收该地址");
    } finally {
      await w.close();
    }
  });
});
