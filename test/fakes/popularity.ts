/**
 * Fakes of the two popularity sources of 周报/月报, on 127.0.0.1, in their real shapes:
 * - Hugging Face: GET /api/daily_papers?date=YYYY-MM-DD[&limit=N] → an array of
 *   { paper: { id, title, upvotes, authors: [{ name }], publishedAt, summary }, title,
 *   publishedAt, numComments, ... } (one entry per paper listed that day);
 * - GitHub: GET /repos/:owner/:repo → { id, full_name, stargazers_count, ... } with the
 *   x-ratelimit-* headers; 404 { message: "Not Found" } for unknown repositories and 403
 *   { message: "API rate limit exceeded ..." } once the hourly limit is spent.
 * Modes: "answer", "fail" (500), "slow" (answers after `slowMs`, for timeouts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakePopularityOptions {
  mode?: "answer" | "fail" | "slow";
  slowMs?: number;
  /** listing day → papers with upvotes */
  hf?: Record<string, { id: string; upvotes: number }[]>;
  /** "owner/repo" (any case) → stars */
  github?: Record<string, number>;
  /** GitHub's hourly limit for this client (default 60) */
  githubLimit?: number;
}

export interface FakePopularity {
  hfUrl: string;
  githubUrl: string;
  /** every request, as "hf <path>" or "github <path> <authorization or ->" */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakePopularity(
  options: FakePopularityOptions = {},
): Promise<FakePopularity> {
  const requests: string[] = [];
  let githubUsed = 0;
  const limit = options.githubLimit ?? 60;
  const timers = new Set<NodeJS.Timeout>();
  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith("/hf/")) {
      requests.push(`hf ${url.pathname.slice(3)}${url.search}`);
      if (options.mode === "fail") return json(res, 500, { error: "Internal Error" });
      if (url.pathname !== "/hf/api/daily_papers") return json(res, 404, { error: "Not Found" });
      const date = url.searchParams.get("date") ?? "";
      const list = options.hf?.[date] ?? [];
      return json(
        res,
        200,
        list.map((p) => ({
          paper: {
            id: p.id,
            authors: [{ _id: "a1", name: "Wei Li", hidden: false }],
            publishedAt: `${date}T17:59:00.000Z`,
            title: `Paper ${p.id}`,
            summary: "An abstract.",
            upvotes: p.upvotes,
            discussionId: "d1",
          },
          publishedAt: `${date}T04:12:00.000Z`,
          title: `Paper ${p.id}`,
          numComments: 2,
          isAuthorParticipating: false,
        })),
      );
    }
    if (url.pathname.startsWith("/github/")) {
      const auth = req.headers.authorization ?? "-";
      requests.push(`github ${url.pathname.slice(7)} ${auth}`);
      if (options.mode === "fail") return json(res, 502, { message: "Server Error" });
      const m = /^\/github\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (!m) return json(res, 404, { message: "Not Found" });
      githubUsed++;
      const remaining = Math.max(0, limit - githubUsed);
      const headers = {
        "x-ratelimit-limit": String(limit),
        "x-ratelimit-remaining": String(remaining),
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-resource": "core",
      };
      if (githubUsed > limit) {
        return json(res, 403, { message: "API rate limit exceeded for 127.0.0.1." }, headers);
      }
      const key = `${m[1]}/${m[2]}`.toLowerCase();
      const stars = Object.entries(options.github ?? {}).find(
        ([k]) => k.toLowerCase() === key,
      )?.[1];
      if (stars === undefined) {
        return json(
          res,
          404,
          { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
          headers,
        );
      }
      return json(
        res,
        200,
        {
          id: 1,
          name: m[2],
          full_name: `${m[1]}/${m[2]}`,
          stargazers_count: stars,
          forks_count: 3,
        },
        headers,
      );
    }
    json(res, 404, { message: "Not Found" });
  };
  const server = createServer((req, res) => {
    if (options.mode === "slow") {
      const t = setTimeout(() => {
        timers.delete(t);
        handle(req, res);
      }, options.slowMs ?? 2000);
      timers.add(t);
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    hfUrl: `${base}/hf/api`,
    githubUrl: `${base}/github`,
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
