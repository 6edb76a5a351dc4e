/**
 * Web archive figures, on loopback, with autocannon at 200 concurrent connections:
 * 1. p50 / p99 latency and requests/s per page kind (home, day, topic, paper, topic feed, which
 *    are cached after their first render; search, which is not). Target: p99 < 50 ms for cached
 *    pages.
 * 2. the server's RSS after the first 10,000 requests and after 100,000 (a mix of every kind,
 *    paper pages spread over 2,000 ids so the response cache fills and evicts). Target: within
 *    10 %.
 * The server runs in a child process (bench/web-server.ts), so RSS is the server's alone.
 * Run: npm run bench -- web
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";

interface Result {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface Request {
  method: string;
  path: string;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: { setupRequest: (req: Request) => Request }[];
}) => Promise<Result>;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
const CONNECTIONS = 200;
const here = import.meta.dirname;

const child = spawn(
  process.execPath,
  [join(here, "../bin/run-ts.js"), join(here, "web-server.ts")],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const first = await new Promise<string>((resolve) =>
  createInterface({ input: child.stdout }).once("line", resolve),
);
const { port } = JSON.parse(first) as { port: number };
const base = `http://127.0.0.1:${port}`;

/** CPU time the server process has used, in ms (utime + stime, at 100 ticks a second). */
function serverCpuMs(): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

function rssMb(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const paperId = () =>
  `2404.${30000 + Math.floor(Math.random() * 5) * 1000 + Math.floor(Math.random() * 400)}`;
const KINDS: { name: string; cached: boolean; path: () => string }[] = [
  { name: "stylesheet (floor: HTTP + routing)", cached: true, path: () => stylesheet },
  { name: "home /", cached: true, path: () => "/" },
  { name: "day /d/2024-04-23 (400 papers)", cached: true, path: () => "/d/2024-04-23" },
  { name: "topic /topic/text-to-video", cached: true, path: () => "/topic/text-to-video" },
  { name: "paper /paper/<id>", cached: true, path: () => `/paper/${paperId()}` },
  { name: "feed /feed/topic/<id>.xml", cached: true, path: () => "/feed/topic/text-to-image.xml" },
  {
    name: "search /search?q= (4 queries)",
    cached: true,
    path: () =>
      `/search?q=${encodeURIComponent(["扩散模型", "视频生成", "agent", "alignment"][Math.floor(Math.random() * 4)] ?? "")}`,
  },
];

const run = (path: () => string, opts: { duration?: number; amount?: number }) =>
  autocannon({
    url: base,
    connections: CONNECTIONS,
    // as browsers and feed readers ask: the archive keeps each cached page gzipped once
    headers: { "accept-encoding": "gzip" },
    ...opts,
    requests: [{ setupRequest: (req) => ({ ...req, method: "GET", path: path() }) }],
  });

const stylesheet = /href="(\/static\/[^"]+)"/.exec(await (await fetch(base)).text())?.[1] ?? "/";

try {
  // Warm every page once (the first render of each is not what a cached page costs).
  for (const kind of KINDS) await fetch(base + kind.path());
  for (let d = 0; d < 5; d++)
    for (let n = 0; n < 400; n++) await fetch(`${base}/paper/2404.${30000 + d * 1000 + n}`);

  for (const path of ["/", "/d/2024-04-23", "/feed/topic/text-to-image.xml"]) {
    const body = new Uint8Array(
      await (
        await fetch(base + path, { headers: { "accept-encoding": "identity" } })
      ).arrayBuffer(),
    );
    console.log(`size of ${path}: ${(body.length / 1024).toFixed(0)} KB`);
  }
  console.log(
    `CPUs: ${(await import("node:os")).availableParallelism()}, load average ${(
      await import("node:os")
    )
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (client and server share them)\n`,
  );
  console.log(
    "page kind                              p50 ms   p99 ms    req/s   non-2xx   server CPU µs/req",
  );
  for (const kind of KINDS) {
    const cpuBefore = serverCpuMs();
    const r = await run(kind.path, { duration: 5 });
    const cpuPerRequest = ((serverCpuMs() - cpuBefore) * 1000) / Math.max(1, r.requests.total);
    const ok = !kind.cached || r.latency.p99 < 50 ? "" : "  (p99 over the 50 ms target)";
    console.log(
      `${kind.name.padEnd(38)} ${String(r.latency.p50).padStart(6)} ${String(r.latency.p99).padStart(8)} ${Math.round(r.requests.average).toString().padStart(8)} ${String(r.non2xx + r.errors + r.timeouts).padStart(9)} ${Math.round(cpuPerRequest).toString().padStart(12)}${ok}`,
    );
  }

  const mixed = () =>
    (KINDS[Math.floor(Math.random() * KINDS.length)] as (typeof KINDS)[number]).path();
  await run(mixed, { amount: 10_000 });
  const after10k = rssMb();
  await run(mixed, { amount: 90_000 });
  const after100k = rssMb();
  const growth = ((after100k - after10k) / after10k) * 100;
  console.log(
    `\nRSS after 10,000 requests: ${after10k.toFixed(1)} MB; after 100,000: ${after100k.toFixed(1)} MB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} %, target within 10 %)`,
  );
} finally {
  child.kill("SIGTERM");
}
