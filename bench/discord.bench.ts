/**
 * Discord fan-out: a 10-paper digest (full cards, two messages a channel) broadcast to 300
 * channels by the real delivery engine with its DEFAULT settings (adaptive in-flight window,
 * default cap) through DiscordSender and @discordjs/rest, against the fake Discord API with
 * Discord's global limit of 50 requests/s, at a simulated round trip of 0, 100 and 300 ms. The
 * fake runs in its own process, so the engine's work never delays the fake's clock.
 * Figures per round trip: requests/s achieved against the limit (target ≥ 90 % at 100 ms), the
 * in-flight window, 429s, duplicates and losses (both must be 0), from what the fake accepted.
 *   npm run bench -- discord          (BENCH_RTT_MS=100 for one round trip)
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLoadProbe } from "./load.ts";

const CHANNELS = 300;
const PAPERS = 10;
const GLOBAL_LIMIT = 50;
const TARGET = 0.9;
const RTTS = (process.env.BENCH_RTT_MS ?? "0,100,300").split(",").map(Number);

const here = dirname(fileURLToPath(import.meta.url));

interface FakeReport {
  /** accepted and refused message creates, by the fake's clock */
  posts: { status: number; at: number }[];
  /** paper ids of the card embeds each channel received, one entry per embed */
  papersByChannel: Record<string, string[]>;
  stats: {
    rateLimited: number;
    globalRateLimited: number;
    peakPerWindow: number;
    earlyRetries: number;
  };
}

/** The child: serves the fake API until told to report. */
async function serveFake(): Promise<void> {
  const { startFakeDiscord } = await import("../test/fakes/discord.ts");
  const latencyMs = Number(process.argv[process.argv.indexOf("--fake") + 1] ?? 0);
  const fake = await startFakeDiscord({ globalLimit: GLOBAL_LIMIT, latencyMs });
  process.on("message", async (msg) => {
    if (msg !== "report") return;
    const papersByChannel: Record<string, string[]> = {};
    for (const [channel, messages] of fake.messages) {
      papersByChannel[channel] = messages.flatMap((m) =>
        (m.body.embeds ?? []).flatMap((e) => /arxiv\.org\/abs\/(.+)$/.exec(e.url ?? "")?.[1] ?? []),
      );
    }
    const posts = fake.requests
      .filter((r) => r.method === "POST" && r.path.endsWith("/messages"))
      .map((r) => ({ status: r.status, at: r.at }));
    const report: FakeReport = { posts, papersByChannel, stats: fake.stats };
    process.send?.(report, async () => {
      await fake.close();
      process.exit(0);
    });
  });
  process.send?.({ apiRoot: fake.apiRoot, token: fake.token });
}

async function run(rttMs: number): Promise<boolean> {
  const { createDiscordRest } = await import("../bots/discord/rest.ts");
  const { DiscordSender } = await import("../bots/discord/sender.ts");
  const { DeliveryEngine } = await import("../src/deliver/engine.ts");
  const { ChatStore } = await import("../src/store/chats.ts");
  const { openDatabase } = await import("../src/store/db.ts");
  const { OutboxStore } = await import("../src/store/outbox.ts");
  const { DeliveryStore } = await import("../src/store/deliveries.ts");
  const { sampleDigest } = await import("../test/fakes/discord.ts");
  type SamplePaper = import("../test/fakes/discord.ts").SamplePaper;

  const papers: SamplePaper[] = JSON.parse(
    readFileSync(join(here, "../test/fixtures/discord/papers.json"), "utf8"),
  ).slice(0, PAPERS);

  const child: ChildProcess = fork(
    join(here, "../bin/run-ts.js"),
    [fileURLToPath(import.meta.url), "--fake", String(rttMs)],
    {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
    },
  );
  const [{ apiRoot, token }] = (await once(child, "message")) as [
    { apiRoot: string; token: string },
  ];

  const rest = createDiscordRest({ token, apiRoot });
  const sender = new DiscordSender(rest);
  const db = openDatabase(":memory:");
  const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
  const outbox = new OutboxStore(db);
  const engine = new DeliveryEngine({
    outbox,
    deliveries: new DeliveryStore(db, outbox),
    chats,
    senders: { discord: sender },
  }); // defaults
  const message = sampleDigest(papers);
  const parts = sender.split(message).length;
  const digests = Array.from({ length: CHANNELS }, (_, i) => ({
    chat: chats.ensure({
      platform: "discord",
      chatId: String(1_300_000_000_000_000_000n + BigInt(i)),
      type: "group",
    }),
    announceDate: "2024-04-24",
    message,
  }));

  const started = performance.now();
  const probe = startLoadProbe();
  const outcome = await engine.deliverAll(digests);
  const seconds = (performance.now() - started) / 1000;
  const load = probe.stop(outcome.sent * parts);

  child.send("report");
  const [fake] = (await once(child, "message")) as [FakeReport];
  await once(child, "exit");
  db.close();

  const accepted = fake.posts.filter((p) => p.status === 200);
  const span = ((accepted.at(-1)?.at ?? 0) - (accepted[0]?.at ?? 0)) / 1000;
  // n requests spread over a span cover n-1 intervals
  const rate = span > 0 ? (accepted.length - 1) / span : 0;
  let duplicates = 0;
  let losses = 0;
  for (const d of digests) {
    const received = fake.papersByChannel[d.chat.chatId] ?? [];
    for (const p of papers) {
      const n = received.filter((id) => id === p.id).length;
      if (n === 0) losses++;
      if (n > 1) duplicates += n - 1;
    }
  }

  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const window = engine.window("discord");
  console.log(`round trip ${rttMs} ms`);
  const rows: [string, string][] = [
    ["channels", `${CHANNELS} (${parts} messages each, ${PAPERS} papers; default settings)`],
    [
      "in flight",
      `window ${window.size} of cap ${window.cap} (peak ${window.peak}), observed round trip ${window.roundTripMs?.toFixed(0)} ms, busy p90 ${window.busyMs?.toFixed(0)} ms`,
    ],
    ["machine", load],
    [
      "engine outcome",
      `${outcome.sent} sent, ${outcome.deferred} deferred, ${outcome.failed} failed`,
    ],
    ["messages accepted", `${accepted.length} of ${CHANNELS * parts} in ${seconds.toFixed(1)} s`],
    [
      "rate achieved",
      `${rate.toFixed(1)} req/s of ${GLOBAL_LIMIT} = ${pct(rate / GLOBAL_LIMIT)} (target ≥ ${pct(TARGET)})`,
    ],
    ["peak per 1 s window", `${fake.stats.peakPerWindow} (limit ${GLOBAL_LIMIT})`],
    ["429 answers", `${fake.stats.rateLimited} (global ${fake.stats.globalRateLimited})`],
    ["duplicates", String(duplicates)],
    ["losses", String(losses)],
  ];
  for (const [k, v] of rows) console.log(`  ${k.padEnd(22)} ${v}`);
  return duplicates === 0 && losses === 0 && (rttMs !== 100 || rate / GLOBAL_LIMIT >= TARGET);
}

async function main(): Promise<void> {
  let ok = true;
  for (const rtt of RTTS) ok = (await run(rtt)) && ok;
  console.log(ok ? "PASS" : "FAIL");
  process.exit(ok ? 0 : 1);
}

if (process.argv.includes("--fake")) await serveFake();
else await main();
