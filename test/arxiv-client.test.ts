import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArxivClient, type ArxivClientOptions } from "../src/arxiv/client.ts";
import {
  ArxivApiError,
  ArxivHttpError,
  ArxivNetworkError,
  ArxivParseError,
} from "../src/arxiv/errors.ts";
import { ManualClock } from "../src/core/clock.ts";
import { apiErrorDocument, type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { runOnClock } from "./helpers/clock.ts";
import { waitUntil } from "./helpers/wait.ts";

/** A clock that only moves when the client sleeps: retries and waits cost no real time. */
function virtualClock(start = Date.parse("2024-04-24T04:00:00Z")) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

let arxiv: FakeArxiv;
beforeEach(async () => {
  arxiv = await startFakeArxiv();
});
afterEach(async () => {
  await arxiv.close();
});

function client(options: Partial<ArxivClientOptions> = {}) {
  const clock = virtualClock();
  const c = new ArxivClient({
    apiUrl: arxiv.apiUrl,
    rssUrl: arxiv.rssUrl,
    minIntervalMs: 3000,
    backoffMs: 1000,
    timeoutMs: 2000,
    now: clock.now,
    sleep: clock.sleep,
    ...options,
  });
  return { c, clock };
}

const ids = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `2404.${String(from + i).padStart(5, "0")}`);

describe("requests", () => {
  it("fetches the feed at rssUrl/cat1+cat2 with a User-Agent naming sudi", async () => {
    const { c } = client();
    const feed = await c.fetchFeed(["cs.CL", "cs.CV", "cs.LG"]);
    expect(feed.items).toHaveLength(46);
    expect(arxiv.requests[0]?.path).toBe("/rss/cs.CL+cs.CV+cs.LG");
    expect(arxiv.requests[0]?.userAgent).toMatch(/^sudi\b/);
    const atom = await client({ rssUrl: arxiv.atomUrl }).c.fetchFeed(["cs.CL"]);
    expect(atom.format).toBe("atom");
    expect(arxiv.requests[1]?.path).toBe("/atom/cs.CL");
  });

  it("fetches by id in batches of at most 100, each id once", async () => {
    const { c } = client();
    const wanted = [...ids(1, 230), "2404.01197", "2404.01197", "2404.03673"];
    const papers = await c.fetchByIds(wanted);
    expect(papers.map((p) => p.id)).toEqual(["2404.01197", "2404.03673"]);
    const batches = arxiv.requests.map((r) => r.query.id_list?.split(",") ?? []);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 32]);
    expect(new Set(batches.flat()).size).toBe(232);
    expect(arxiv.requests.every((r) => r.endpoint === "api")).toBe(true);
  });

  it("searches a day by categories and submission window, page by page", async () => {
    const { c } = client({ pageSize: 1 });
    const papers = await c.searchByDate(["cs.CL", "cs.CV", "cs.LG"], "2024-04-24");
    // submitted between Mon 2024-04-22 14:00 and Tue 14:00 US Eastern (18:00 UTC)
    expect(papers.map((p) => p.id)).toEqual(["2404.15449", "2404.15275"]);
    const queries = arxiv.requests.map((r) => r.query);
    expect(queries.map((q) => q.start)).toEqual(["0", "1"]);
    expect(queries[0]).toMatchObject({
      search_query:
        "(cat:cs.CL OR cat:cs.CV OR cat:cs.LG) AND submittedDate:[202404221800 TO 202404231759]",
      max_results: "1",
      sortBy: "submittedDate",
    });
  });
});

describe("pacing", () => {
  it("sends one request at a time, starts at least minIntervalMs apart (measured on the fake)", async () => {
    // The client and the fake share a ManualClock: the fake stamps arrivals in its time.
    await arxiv.close();
    const clock = new ManualClock("2024-04-24T04:00:00Z");
    arxiv = await startFakeArxiv({ clock });
    const minIntervalMs = 150;
    const c = new ArxivClient({ apiUrl: arxiv.apiUrl, rssUrl: arxiv.rssUrl, minIntervalMs, clock });
    await runOnClock(
      clock,
      Promise.all([
        c.fetchFeed(["cs.CL"]),
        c.fetchByIds(ids(1, 250)),
        c.fetchByIds(["2404.01197"]),
      ]),
    );
    const at = arxiv.requests.map((r) => r.at);
    expect(at).toHaveLength(5);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    // without pacing these requests arrive at once
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(minIntervalMs);
    expect(arxiv.requests[0]?.endpoint).toBe("feed");
  });

  it("waits only for what is left of the interval", async () => {
    const { c, clock } = client({ minIntervalMs: 3000 });
    await c.fetchFeed(["cs.CL"]);
    await clock.sleep(1000);
    await c.fetchFeed(["cs.CL"]);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });
});

describe("retries", () => {
  it("honours Retry-After in seconds on 429", async () => {
    const { c, clock } = client();
    arxiv.inject({ kind: "status", status: 429, retryAfter: "7" });
    const feed = await c.fetchFeed(["cs.CL"]);
    expect(feed.items.length).toBeGreaterThan(0);
    expect(arxiv.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(clock.sleeps).toEqual([7000]);
  });

  it("honours Retry-After as an HTTP date on 503", async () => {
    const { c, clock } = client();
    arxiv.inject({ kind: "status", status: 503, retryAfter: "Wed, 24 Apr 2024 04:00:12 GMT" });
    await c.fetchByIds(["2404.01197"]);
    expect(arxiv.requests.map((r) => r.status)).toEqual([503, 200]);
    expect(clock.sleeps).toEqual([12_000]);
  });

  it("backs off exponentially without Retry-After, never closer than minIntervalMs", async () => {
    const { c, clock } = client({ minIntervalMs: 1500, backoffMs: 1000 });
    arxiv.inject({ kind: "status", status: 502 }, { times: 3 });
    await c.fetchFeed(["cs.CL"]);
    expect(clock.sleeps).toEqual([1500, 3000, 6000]);
    expect(arxiv.requests).toHaveLength(4);
  });

  it("a short Retry-After still keeps the interval between request starts", async () => {
    const { c, clock } = client({ minIntervalMs: 3000 });
    arxiv.inject({ kind: "status", status: 429, retryAfter: "1" });
    await c.fetchFeed(["cs.CL"]);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it("gives up after maxRetries with ArxivHttpError carrying status and url", async () => {
    const { c } = client({ maxRetries: 2 });
    arxiv.inject({ kind: "status", status: 503, retryAfter: "1" }, { times: 5 });
    const error = await c.fetchFeed(["cs.CL"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArxivHttpError);
    expect(error).toMatchObject({
      status: 503,
      url: `${arxiv.rssUrl}/cs.CL`,
      retryable: true,
      retryAfterMs: 1000,
    });
    expect(arxiv.requests).toHaveLength(3);
  });

  it("does not wait for a Retry-After beyond maxRetryAfterMs", async () => {
    const { c, clock } = client({ maxRetryAfterMs: 60_000 });
    arxiv.inject({ kind: "status", status: 429, retryAfter: "3600" });
    await expect(c.fetchFeed(["cs.CL"])).rejects.toMatchObject({
      status: 429,
      retryAfterMs: 3_600_000,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it("does not retry other 4xx", async () => {
    const { c } = client();
    arxiv.inject({ kind: "status", status: 404 });
    await expect(c.fetchFeed(["cs.CL"])).rejects.toMatchObject({ status: 404, retryable: false });
    expect(arxiv.requests).toHaveLength(1);
  });

  it("retries dropped connections, then reports ArxivNetworkError", async () => {
    const { c } = client({ maxRetries: 1 });
    arxiv.inject({ kind: "reset" });
    expect((await c.fetchFeed(["cs.CL"])).items.length).toBeGreaterThan(0);
    arxiv.inject({ kind: "reset" }, { times: 2 });
    const error = await c.fetchFeed(["cs.CL"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArxivNetworkError);
    expect(error).toMatchObject({ timedOut: false });
  });

  it("times out a slow answer and retries it", async () => {
    // The fake holds a slow answer on the client's ManualClock: the timeout costs no real time.
    await arxiv.close();
    const clock = new ManualClock("2024-04-24T04:00:00Z");
    arxiv = await startFakeArxiv({ clock });
    const c = new ArxivClient({
      apiUrl: arxiv.apiUrl,
      rssUrl: arxiv.rssUrl,
      minIntervalMs: 3000,
      backoffMs: 1000,
      timeoutMs: 150,
      maxRetries: 1,
      clock,
    });
    /** Waits for the request to reach the fake, then lets its timeout pass. */
    const timeOut = async (requests: number) => {
      await waitUntil(() => arxiv.requests.length === requests, { what: `request ${requests}` });
      await clock.advance(150);
    };
    /** The fake's held answer is one sleeper on the clock; the client's backoff another. */
    const backOff = async (sleepers: number) => {
      await waitUntil(() => clock.waiting === sleepers, { what: "the client's backoff" });
      await clock.advance(3000);
    };

    arxiv.inject({ kind: "delay", ms: 1000 });
    const retried = c.fetchByIds(["2404.01197"]);
    await timeOut(1);
    await backOff(2);
    expect(await retried).toHaveLength(1); // the retry is answered at once
    expect(arxiv.requests).toHaveLength(2);

    arxiv.inject({ kind: "delay", ms: 1000 }, { times: 2 });
    const failed = c.fetchByIds(["2404.01197"]).catch((e: unknown) => e);
    // the next request waits for its slot, minIntervalMs after the last one started
    await waitUntil(() => clock.waiting === 1, { what: "the client's slot" });
    await clock.advance(3000);
    await timeOut(3);
    await backOff(2);
    await timeOut(4);
    expect(await failed).toMatchObject({ name: "ArxivNetworkError", timedOut: true });
  });

  it("keeps serving the queue after a failure", async () => {
    const { c } = client({ maxRetries: 0 });
    arxiv.inject({ kind: "status", status: 500 });
    const [failed, ok] = await Promise.allSettled([c.fetchFeed(["cs.CL"]), c.fetchFeed(["cs.CL"])]);
    expect(failed.status).toBe("rejected");
    expect(ok.status).toBe("fulfilled");
  });
});

describe("errors in the body", () => {
  it("reports the API error entry (HTTP 400) as ArxivApiError without retrying", async () => {
    const { c } = client();
    const error = await c.fetchByIds(["not-an-id"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArxivApiError);
    expect(error).toMatchObject({ detail: "incorrect id format for not-an-id" });
    expect((error as ArxivApiError).url).toContain("id_list=not-an-id");
    expect(arxiv.requests).toHaveLength(1);
  });

  it("reports an error entry served with HTTP 200 as ArxivApiError too", async () => {
    const { c } = client();
    arxiv.inject({ kind: "status", status: 200, body: apiErrorDocument("boom") });
    await expect(c.fetchByIds(["2404.01197"])).rejects.toBeInstanceOf(ArxivApiError);
  });

  it("reports a 400 that is not arXiv's error feed as ArxivHttpError", async () => {
    const { c } = client();
    arxiv.inject({ kind: "status", status: 400, body: "<html>Bad Request</html>" });
    await expect(c.fetchByIds(["2404.01197"])).rejects.toMatchObject({ status: 400 });
  });

  it("reports malformed XML as ArxivParseError naming the url", async () => {
    const { c } = client();
    arxiv.inject({ kind: "malformed" });
    const error = await c.fetchFeed(["cs.CL"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArxivParseError);
    expect((error as ArxivParseError).source).toBe(`${arxiv.rssUrl}/cs.CL`);
  });
});
