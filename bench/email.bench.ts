/**
 * Email delivery rate through the delivery engine and the email sender (nodemailer) to a real
 * SMTP server in this process (smtp-server): one digest to each of 200 confirmed addresses.
 * SMTP sets no standard rate limit; the figure is what one sudi process reaches over loopback,
 * with a new connection per mail (nodemailer's default) and with a pooled transport
 * (SUDI_SMTP_URL=…?pool=true), at the engine's default of one message in flight, and at 8.
 * Run: npm run bench -- email
 */
import { DeliveryEngine } from "../src/deliver/engine.ts";
import { EndpointStore } from "../src/store/endpoints.ts";
import { startFakeSmtp } from "../test/fakes/smtp.ts";
import { sampleApp } from "../test/helpers/web-archive.ts";

const READERS = 200;
const smtp = await startFakeSmtp();
const token = (n: number, kind: string) => `${kind}${n}`.padEnd(43, "x");

const runs: [string, string, number][] = [
  ["new connection per mail, 1 in flight", smtp.url, 1],
  ["pooled (?pool=true), 1 in flight", `${smtp.url}?pool=true`, 1],
  ["pooled, 8 connections, 8 in flight", `${smtp.url}?pool=true&maxConnections=8`, 8],
];
for (const [label, url, inFlight] of runs) {
  const { app, services } = await sampleApp(":memory:", {
    SUDI_SMTP_URL: url,
    SUDI_MAIL_FROM: "论文速递 <sudi@example.org>",
  });
  const endpoints = new EndpointStore(app.db);
  const chats = [];
  for (let n = 0; n < READERS; n++) {
    const address = `reader${n}@example.org`;
    const chat = services.chats.ensure({
      platform: "email",
      chatId: address,
      type: "private",
      title: address,
    });
    endpoints.set(chat.id, {
      address,
      confirmed: true,
      confirmToken: token(n, "c"),
      manageToken: token(n, "m"),
    });
    services.subscriptions.add(chat.id, "topic", "text-to-video", "bench");
    chats.push(chat);
  }
  const senders = (
    await app.senders({ out: () => {}, stdin: process.stdin, interactive: false })
  ).filter((s) => s.platform === "email");
  const engine = new DeliveryEngine(
    {
      outbox: services.outbox,
      deliveries: services.deliveries,
      chats: services.chats,
      senders: { email: senders[0] },
    },
    { inFlightPerPlatform: inFlight },
  );
  const before = smtp.mails.length;
  const started = performance.now();
  const report = await engine.deliverAll(services.digests.forChats(chats, "2024-04-24"));
  const seconds = (performance.now() - started) / 1000;
  const received = smtp.mails.length - before;
  console.log(
    `${label.padEnd(40)} ${received} mails in ${seconds.toFixed(2)} s: ${(received / seconds).toFixed(0)} mails/s (sent ${report.sent}, failed ${report.failed})`,
  );
  app.close();
}
await smtp.close();
