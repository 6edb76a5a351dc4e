/**
 * A long 月报 on Discord: the chart and the full report go up as files, in multipart requests
 * the fake Discord parses part by part as Discord does (payload_json plus files[n], each with
 * its filename and Content-Type, `attachments[].id` naming an uploaded part). Checked for a
 * scheduled delivery (the sender) and for /report answered through an interaction (the reply
 * and its follow-ups): the chart is a PNG sent as image/png, which Discord answers with its
 * width and height (so it shows inline, as a picture), and the HTML file is the whole report.
 */
import { readFileSync } from "node:fs";
import type { REST } from "discord.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answerInteraction } from "../bots/discord/answer.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { DiscordSender } from "../bots/discord/sender.ts";
import type { ChatAddress } from "../src/core/address.ts";
import type { RichMessage } from "../src/core/message.ts";
import { createLogger } from "../src/log.ts";
import { ARXIV_CALENDAR, mailingDates, parsePeriod } from "../src/reports/period.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import {
  attachmentsOf,
  type FakeDiscord,
  type FakeMessage,
  type MessageBody,
  pngSize,
  startFakeDiscord,
  type UploadedFile,
} from "./fakes/discord.ts";
import { htmlProblems, type ReportsSetup, reportsSetup } from "./helpers/reports.ts";

const CHANNEL = "223456789012345678";
const address: ChatAddress = { platform: "discord", chatId: CHANNEL, type: "group" };

let s: ReportsSetup;
let report: RichMessage[];
let fake: FakeDiscord;
let rest: REST;

beforeAll(async () => {
  s = reportsSetup({ now: new Date("2024-05-01T01:00:00Z") });
  mailingDates(parsePeriod("2024-04"), ARXIV_CALENDAR).forEach((date, i) => {
    const n = String(i).padStart(2, "0");
    s.seed(date, [
      { id: `2404.1${n}01`, topic: "agent" },
      { id: `2404.1${n}02`, topic: "text-to-video" },
    ]);
  });
  s.seenEmpty(...mailingDates(parsePeriod("2024-03"), ARXIV_CALENDAR));
  const chat = s.chats.ensure({ ...address, title: "组会" });
  s.subscriptions.add(chat.id, "topic", "agent", null);
  s.subscriptions.add(chat.id, "topic", "text-to-video", null);
  report = await s.reports.forChat(chat, parsePeriod("2024-04"));
});
afterAll(() => s?.db.close());

beforeEach(async () => {
  fake?.close();
  fake = await startFakeDiscord({ token: "uploads-test-token-0123456789" });
  rest = createDiscordRest({
    token: fake.token,
    apiRoot: fake.apiRoot,
    rest: { retries: 0, timeout: 5000 },
  });
});
afterAll(async () => fake?.close());

const fileNamed = (files: UploadedFile[] | undefined, name: string) =>
  (files ?? []).find((f) => f.filename === name);

/** The chart and HTML file of the 2024-04 report as uploaded in these message bodies. */
function checkUploads(bodies: MessageBody[]) {
  const withChart = bodies.findIndex((b) => fileNamed(b.files, "sudi-2024-04.png"));
  const withHtml = bodies.findIndex((b) => fileNamed(b.files, "sudi-2024-04.html"));
  expect(withChart).toBeGreaterThanOrEqual(0);
  expect(withHtml).toBeGreaterThan(withChart); // the picture first, the file last
  const summary = bodies
    .slice(withChart + 1, withHtml)
    .map((b) => JSON.stringify(b))
    .join("");
  expect(summary).toContain("完整报告见附件 HTML 文件");

  // Each upload is one file, named in the payload's attachments list by its part number.
  for (const body of [bodies[withChart], bodies[withHtml]] as MessageBody[]) {
    expect(body.files).toHaveLength(1);
    const file = body.files?.[0] as UploadedFile;
    expect(body.attachments).toEqual([{ id: file.index, filename: file.filename }]);
  }

  const chart = fileNamed(bodies[withChart]?.files, "sudi-2024-04.png") as UploadedFile;
  expect(chart.contentType).toBe("image/png");
  expect(pngSize(chart.bytes)).toEqual({ width: 800, height: expect.any(Number) });
  expect(chart.bytes.length).toBeGreaterThan(5000);
  // the picture is the period's chart the report service rendered
  const sent = report.flatMap((m) => m.attachments ?? []).find((a) => a.mime === "image/png");
  expect(chart.bytes.equals(Buffer.from(sent?.data ?? "", "base64"))).toBe(true);
  expect(JSON.stringify(bodies[withChart])).toContain("月报 2024年4月：各章节论文数");

  const html = fileNamed(bodies[withHtml]?.files, "sudi-2024-04.html") as UploadedFile;
  expect(html.contentType).toBe("text/html");
  const text = html.bytes.toString("utf8");
  expect(text).toMatch(/^<!doctype html>/i);
  expect(text).toContain("📚 论文月报 · 2024年4月");
  expect(text).toMatch(/https:\/\/arxiv\.org\/abs\/2404\.1\d\d01/); // 智能体
  expect(text).toMatch(/https:\/\/arxiv\.org\/abs\/2404\.1\d\d02/); // 文生视频
  expect(htmlProblems(text)).toEqual([]);
}

describe("a long 月报 delivered to a Discord channel", () => {
  it("uploads the chart as an image and the report as an HTML file, in order", async () => {
    const sender = new DiscordSender(rest);
    let part = 0;
    for (const message of report) {
      for (const piece of sender.split(message)) {
        await sender.sendPart(address, piece, { idempotencyKey: `d1.2024-04.${part++}` });
      }
    }
    expect(fake.invalid).toEqual([]);
    const posted: FakeMessage[] = fake.messagesIn(CHANNEL);
    checkUploads(posted.map((m) => m.body));
    // Discord's answer: the chart is an image it can show (content type and size read from
    // the PNG), the report a file.
    const chartMessage = posted.find((m) => fileNamed(m.body.files, "sudi-2024-04.png"));
    const [image] = chartMessage ? attachmentsOf(chartMessage) : [];
    expect(image).toMatchObject({ filename: "sudi-2024-04.png", content_type: "image/png" });
    expect(image?.width).toBe(800);
    expect(image?.height).toBeGreaterThan(300);
    const htmlMessage = posted.find((m) => fileNamed(m.body.files, "sudi-2024-04.html"));
    const [doc] = htmlMessage ? attachmentsOf(htmlMessage) : [];
    expect(doc).toMatchObject({ filename: "sudi-2024-04.html", content_type: "text/html" });
    expect(doc?.width).toBeUndefined();
  });

  it("the fake refuses an upload whose attachments list names a part that was not sent", async () => {
    await expect(
      rest.post(`/channels/${CHANNEL}/messages`, {
        body: { content: "图", attachments: [{ id: 1, filename: "sudi-2024-04.png" }] },
        files: [{ name: "sudi-2024-04.png", data: Buffer.from("x"), contentType: "image/png" }],
      }),
    ).rejects.toThrow();
    expect(fake.invalid).toHaveLength(1);
  });
});

describe("/report answered through a Discord interaction", () => {
  it("uploads the same files with the reply and its follow-ups", async () => {
    // A real guild command interaction, as /report 月报 2024-04.
    const raw = {
      ...JSON.parse(
        readFileSync(
          new URL("./fixtures/discord/guild-subscribe-member.json", import.meta.url),
          "utf8",
        ),
      ),
      id: "1300000000000000001",
      token: "interaction-token-uploads",
      data: {
        id: "1200000000000000001",
        name: "report",
        type: 1,
        options: [{ name: "period", type: 3, value: "月报 2024-04" }],
      },
    };
    fake.registerInteraction(raw);
    const asked: string[] = [];
    await answerInteraction(raw, {
      rest,
      handler: {
        handle: async (incoming) => {
          asked.push(incoming.text);
          return report;
        },
      },
      taxonomy: loadTaxonomy(),
      log: createLogger({ level: "silent" }),
    });
    expect(asked).toEqual(["/report 月报 2024-04"]);
    expect(fake.invalid).toEqual([]);
    const record = fake.interactions.get(raw.id);
    // /report is slow: deferred at once, the chart then goes with the edited original reply.
    expect(record?.callbacks.map((c) => c.type)).toEqual([5]);
    const bodies = [record?.original, ...(record?.followUps ?? [])] as MessageBody[];
    checkUploads(bodies);
  });
});
