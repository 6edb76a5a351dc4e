/**
 * The fake Bot API (test/fakes/telegram.ts) in a process of its own, for benchmarks: its
 * memory and CPU stay out of the measured process. Prints one JSON line with apiRoot, token
 * and a control URL whose GET /summary reports what the fake received, computed here so
 * tens of thousands of messages never cross the pipe: messages, first and last arrival (ms
 * since the fake started), the most in any one second, 429s answered, and per (chat, paper)
 * how often it was shown.
 *
 * FAKE_LIMITS: JSON FakeLimits, or "false" for none; default Telegram's. FAKE_LATENCY_MS: a
 * simulated round trip added to every call.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeTelegram } from "../fakes/telegram.ts";

const limitsEnv = process.env.FAKE_LIMITS;
const latencyMs = Number(process.env.FAKE_LATENCY_MS ?? 0);
const tg = await startFakeTelegram({
  ...(limitsEnv ? { limits: limitsEnv === "false" ? false : JSON.parse(limitsEnv) } : {}),
  ...(latencyMs > 0 ? { latencyMs } : {}),
});

function summary() {
  const pairs = new Map<string, number>();
  for (const m of tg.sent) {
    const ids = new Set(
      m.entities.flatMap((e) => {
        const id = /arxiv\.org\/abs\/([^?#/]+)/.exec(e.url ?? "")?.[1];
        return id ? [id] : [];
      }),
    );
    for (const id of ids) pairs.set(`${m.chatId}/${id}`, (pairs.get(`${m.chatId}/${id}`) ?? 0) + 1);
  }
  // The most messages accepted in any one second (sliding window over arrival times).
  let peakPerSecond = 0;
  for (let i = 0, j = 0; i < tg.sent.length; i++) {
    const at = tg.sent[i]?.at ?? 0;
    while ((tg.sent[j]?.at ?? at) < at - 999) j++;
    peakPerSecond = Math.max(peakPerSecond, i - j + 1);
  }
  return {
    messages: tg.sent.length,
    peakPerSecond,
    firstAt: tg.sent[0]?.at ?? 0,
    lastAt: tg.sent.at(-1)?.at ?? 0,
    rateLimited: tg.stats.rateLimited,
    chats: new Set(tg.sent.map((m) => m.chatId)).size,
    pairs: Object.fromEntries(pairs),
  };
}

const control = createServer((req, res) => {
  if (req.url === "/summary") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(summary()));
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((r) => control.listen(0, "127.0.0.1", r));
const port = (control.address() as AddressInfo).port;
process.stdout.write(
  `${JSON.stringify({ apiRoot: tg.apiRoot, token: tg.token, control: `http://127.0.0.1:${port}` })}\n`,
);
process.on("SIGTERM", async () => {
  await tg.close();
  control.close();
  process.exit(0);
});
