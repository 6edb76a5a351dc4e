/**
 * The web archive over HTTP: every page kind, escaping of hostile metadata and cards, the
 * security headers, one 404 for every wrong path, id or token, the search rate limit per
 * client address (and which forwarded address counts), conditional GETs, and the report and
 * deep-read hooks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textMessage } from "../src/core/message.ts";
import { DeepCardSchema } from "../src/store/deep.ts";
import { clientAddress, parseTrustProxy } from "../src/web/client-ip.ts";
import { HOSTILE_ID, startSampleArchive, type WebFixture } from "./helpers/web-archive.ts";

let web: WebFixture;
let notFoundBody: string;

const get = (path: string, init?: RequestInit) =>
  fetch(web.base + path, { redirect: "manual", ...init });

beforeAll(async () => {
  web = await startSampleArchive({
    deps: {
      searchesPerMinute: 1000,
      reports: {
        report: async (period) =>
          period === "2024-W17"
            ? { title: "2024 年第 17 周周报", message: textMessage("本周 <b>不加粗</b> 共 46 篇") }
            : null,
      },
      deepCards: {
        cached: (id) => (id === "2404.02101" ? textMessage("深读：相机模块 <script>") : null),
      },
    },
  });
  notFoundBody = await (await get("/definitely/not/here")).text();
});
afterAll(() => web.close());

describe("pages", () => {
  it("shows the latest announcement on / with chapters, links and Chinese text", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain("2024-04-24 论文速递");
    expect(html).toContain("文/图生视频 · ");
    expect(html).toContain('href="/paper/2404.02101"');
    expect(html).toContain("CameraCtrl：给文生视频模型装上可控的“镜头”");
  });

  it("groups a day in taxonomy chapter order and 404s a day with nothing", async () => {
    const html = await (await get("/d/2024-04-24")).text();
    const image = html.search(/<h2 id="c\d+">文生图 · /);
    const video = html.search(/<h2 id="c\d+">文\/图生视频 · /);
    expect(image).toBeGreaterThan(0);
    expect(video).toBeGreaterThan(image);
    expect((await get("/d/2024-04-23")).status).toBe(404);
    expect((await get("/d/2024-13-01")).status).toBe(404);
  });

  it("shows a topic's recent papers and advertises its feed", async () => {
    const html = await (await get("/topic/text-to-video")).text();
    expect(html).toContain("主题：文生视频");
    expect(html).toContain('href="/paper/2404.15275"');
    expect(html).toContain('type="application/atom+xml"');
    expect(html).not.toContain('href="/paper/2404.01197"'); // a 文生图 paper
  });

  it("shows a paper's full card, its abstract, day and links built from the id", async () => {
    const html = await (await get("/paper/2404.02101")).text();
    expect(html).toContain("<h1>CameraCtrl：给文生视频模型装上可控的“镜头”</h1>");
    expect(html).toContain("🎯 动机：");
    expect(html).toContain('href="https://arxiv.org/abs/2404.02101"');
    expect(html).toContain('href="https://arxiv.org/pdf/2404.02101"');
    expect(html).toContain('href="/d/2024-04-24"');
  });

  it("redirects a versioned id to the canonical page", async () => {
    const res = await get("/paper/2404.02101v3");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/paper/2404.02101");
  });

  it("shows the cached deep-read card through the hook, escaped", async () => {
    const html = await (await get("/paper/2404.02101")).text();
    expect(html).toContain('<section class="deep"');
    expect(html).toContain("深读：相机模块 &lt;script&gt;");
    expect(await (await get("/paper/2404.15275")).text()).not.toContain('class="deep"');
  });

  it("serves a report through the reports hook, 404 for a period without one", async () => {
    const res = await get("/report/2024-W17");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("2024 年第 17 周周报");
    expect(html).toContain("本周 &lt;b&gt;不加粗&lt;/b&gt; 共 46 篇");
    expect((await get("/report/2024-04")).status).toBe(404);
    expect((await get("/report/2024-W99")).status).toBe(404);
  });

  it("lists topics and days", async () => {
    expect(await (await get("/topics")).text()).toContain('href="/topic/text-to-video"');
    expect(await (await get("/days")).text()).toContain('href="/d/2024-04-24"');
  });
});

describe("security", () => {
  it("escapes hostile titles, abstracts, authors and cards on every page", async () => {
    for (const path of [
      "/",
      "/d/2024-04-24",
      `/paper/${HOSTILE_ID}`,
      "/topic/text-to-video",
      "/search?q=text-to-video",
    ]) {
      const html = await (await get(path)).text();
      expect(html, path).not.toMatch(/<script|<img|<b>加粗|href="javascript:/i);
      expect(html, path).not.toContain("\u0007");
    }
    const paper = await (await get(`/paper/${HOSTILE_ID}`)).text();
    expect(paper).toContain("恶意标题 &lt;b&gt;加粗&lt;/b&gt; &amp; &quot;引号&quot;");
    expect(paper).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(paper).toContain("Eve &lt;eve@example.org&gt;");
    // the code link was javascript:, so there is none
    expect(paper).not.toContain(">代码<");
  });

  it("echoes the search box escaped", async () => {
    const html = await (
      await get(`/search?q=${encodeURIComponent('"><script>alert(1)</script>')}`)
    ).text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
  });

  it("sends a CSP without inline script, and nosniff, on pages, feeds and 404s", async () => {
    for (const path of ["/", "/feed/topic/agent.xml", "/nothing", "/search?q=x"]) {
      const res = await get(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(csp, path).not.toContain("script-src");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("serves the stylesheet the pages link to, cached for good", async () => {
    const html = await (await get("/")).text();
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1] ?? "";
    const res = await get(href);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/css");
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(html).not.toMatch(/<style|style=/);
  });

  it("answers every wrong path, id and token with the same 404 page", async () => {
    for (const path of [
      "/paper/2404.00001",
      "/paper/not-an-id",
      "/paper/..%2F..%2Fetc%2Fpasswd",
      "/topic/no-such-topic",
      "/topic/%3Cscript%3E",
      "/d/2024-04-23",
      "/d/yesterday",
      "/feed/chat/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.xml",
      "/feed/chat/short.xml",
      "/feed/topic/nope.xml",
      "/report/2024-04",
      "/static/../package.json",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe(notFoundBody);
    }
  });
});

describe("caching", () => {
  it("answers a conditional GET with 304 and the same ETag", async () => {
    const first = await get("/d/2024-04-24");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^W\/"/);
    const again = await get("/d/2024-04-24", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
  });
});

describe("search", () => {
  it("uses the chat /search's full-text search (Chinese card text included)", async () => {
    const res = await get(`/search?q=${encodeURIComponent("相机模块")}`, {
      headers: { "X-Forwarded-For": "203.0.113.50" },
    });
    // without SUDI_TRUST_PROXY the forwarded address is ignored: this counts for 127.0.0.1
    const html = await res.text();
    expect(html).toContain('href="/paper/2404.02101"');
    expect(html).toContain("「相机模块」的搜索结果：1 篇");
  });
});

describe("search rate limit", () => {
  const statuses = async (archive: WebFixture, forwarded: string[]) => {
    const out: number[] = [];
    for (const [i, address] of forwarded.entries()) {
      const res = await fetch(`${archive.base}/search?q=video${i}`, {
        headers: { "X-Forwarded-For": address },
      });
      out.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(await res.text()).toContain("搜索太频繁了");
      }
    }
    return out;
  };

  it("limits searches per socket address and ignores a spoofed X-Forwarded-For", async () => {
    const archive = await startSampleArchive({ deps: { searchesPerMinute: 2 } });
    try {
      const spoofed = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"];
      expect(await statuses(archive, spoofed)).toEqual([200, 200, 429, 429]);
      // an empty search box costs nothing
      expect((await fetch(`${archive.base}/search`)).status).toBe(200);
    } finally {
      await archive.close();
    }
  });

  it("counts the forwarded client address when SUDI_TRUST_PROXY trusts one hop", async () => {
    const archive = await startSampleArchive({
      env: { SUDI_TRUST_PROXY: "1" },
      deps: { searchesPerMinute: 2 },
    });
    try {
      const clients = ["198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"];
      expect(await statuses(archive, clients)).toEqual([200, 200, 429, 200]);
    } finally {
      await archive.close();
    }
  });
});

describe("client address behind a proxy", () => {
  it("ignores X-Forwarded-For unless SUDI_TRUST_PROXY says otherwise", () => {
    expect(clientAddress("10.0.0.2", "1.2.3.4", parseTrustProxy(undefined))).toBe("10.0.0.2");
  });

  it("takes the address the given number of hops from the right", () => {
    const one = parseTrustProxy("1");
    expect(clientAddress("10.0.0.2", "6.6.6.6, 1.2.3.4", one)).toBe("1.2.3.4");
    expect(clientAddress("::ffff:10.0.0.2", "1.2.3.4", one)).toBe("1.2.3.4");
    expect(clientAddress("10.0.0.2", "1.2.3.4", parseTrustProxy("5"))).toBe("1.2.3.4");
  });

  it("believes only listed proxies, and skips them from the right", () => {
    const trust = parseTrustProxy("10.0.0.2, 10.0.0.3");
    expect(clientAddress("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3", trust)).toBe("1.2.3.4");
    expect(clientAddress("192.0.2.9", "1.2.3.4", trust)).toBe("192.0.2.9");
  });
});

describe("reports from src/reports", () => {
  it("serves the sample week's 周报 and month's 月报, and 404s a period without papers", async () => {
    const archive = await startSampleArchive();
    try {
      const week = await fetch(`${archive.base}/report/2024-W17`);
      expect(week.status).toBe(200);
      const html = await week.text();
      expect(html).toContain("<h1>📚 论文周报 · 2024年第17周");
      expect(html).not.toMatch(/<script|<b>加粗/);
      expect((await fetch(`${archive.base}/report/2024-04`)).status).toBe(200);
      expect((await fetch(`${archive.base}/report/2023-01`)).status).toBe(404);
    } finally {
      await archive.close();
    }
  });
});

describe("deep-read cards from the store", () => {
  it("shows a cached deep-read card on the paper page, escaped, and none where none is cached", async () => {
    const archive = await startSampleArchive();
    try {
      const { app } = archive;
      const paper = app.papers.get("2404.15275");
      if (!paper) throw new Error("sample paper missing");
      app.deepStore.putCard(
        DeepCardSchema.parse({
          summary: "深读摘要：一张人脸照片 <script>x</script> 生成视频。",
          paper_id: paper.id,
          version: paper.version,
          title_en: paper.title,
          authors: "Xuanhua He 等",
          affiliations: [],
          source: "html",
          source_url: `https://arxiv.org/html/${paper.id}v${paper.version}`,
          excerpt: { tokens: 1000, cut: [], omitted: [] },
          numbers_removed: [],
          repairs: [],
          cleaned: false,
          prompt_version: app.deep.promptVersion,
          model: app.deep.model,
        }),
        { promptTokens: 0, completionTokens: 0 },
      );
      const html = await (await fetch(`${archive.base}/paper/2404.15275`)).text();
      expect(html).toContain('<section class="deep"');
      expect(html).toContain("深读摘要：一张人脸照片 &lt;script&gt;x&lt;/script&gt; 生成视频。");
      const other = await (await fetch(`${archive.base}/paper/2404.02101`)).text();
      expect(other).not.toContain('class="deep"');
    } finally {
      await archive.close();
    }
  });
});
