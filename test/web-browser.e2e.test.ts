/**
 * The archive in a real browser: Debian's headless Chromium driven by playwright-core. Loads
 * the home page, a paper page, a report page, a day page and a chat's own report page (opened
 * from the link in its summary message, through its feed token); checks that Chinese renders as
 * real glyphs (not tofu boxes), that the stylesheet applies under the CSP with no violation,
 * that same-site links lead to pages, and that axe-core finds no serious or critical
 * accessibility violation. Screenshots are kept in test-output/web/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePeriod } from "../src/reports/period.ts";
import { startSampleArchive, type WebFixture } from "./helpers/web-archive.ts";

const OUTPUT = join(import.meta.dirname, "../test-output/web");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let web: WebFixture;
let browser: BrowserContext;
let profile: string;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  // The report page is src/reports' own 周报 of the sample week. With a public URL, reports
  // sent to chats link the chat's own page (the browser never goes to that host: the tests
  // open the link's path on the archive under test).
  web = await startSampleArchive({ env: { SUDI_PUBLIC_URL: "https://sudi.example.org" } });
  profile = mkdtempSync(join(tmpdir(), "sudi-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 390, height: 844 },
    locale: "zh-CN",
  });
  // Only the archive itself may be reached: anything else is a test failure, not a request.
  await browser.route(/.*/, (route) => {
    const url = route.request().url();
    if (url.startsWith(web.base)) return route.continue();
    problems.push(`request outside the archive: ${url}`);
    return route.abort();
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`${path}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  const res = await page.goto(web.base + path);
  expect(res?.status(), path).toBe(200);
  return page;
}

/**
 * How many distinct images the characters render to. Real glyphs differ from each other; a
 * missing font draws the same empty box (tofu) for every one.
 */
async function distinctGlyphs(page: Page, chars: string): Promise<number> {
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  return page.evaluate(`(() => {
    const family = getComputedStyle(document.body).fontFamily;
    const images = new Set();
    for (const ch of Array.from(${JSON.stringify(chars)})) {
      const canvas = document.createElement("canvas");
      canvas.width = 48;
      canvas.height = 48;
      const g = canvas.getContext("2d");
      g.font = "32px " + family;
      g.fillStyle = "#000";
      g.fillText(ch, 4, 36);
      const data = g.getImageData(0, 0, 48, 48).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      if (ink > 0) images.add(canvas.toDataURL());
    }
    return images.size;
  })()`);
}

async function axeSerious(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: () => Promise<{ violations: { id: string; impact: string; help: string }[] }> };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}`);
}

describe("in Chromium", () => {
  it("renders the home page in Chinese glyphs, styled, accessible", async () => {
    const page = await open("/");
    expect(await page.locator("h1").first().innerText()).toContain("2024-04-24 论文速递");
    expect(await distinctGlyphs(page, "论文速递最新一期")).toBe(8);
    // the measure tells tofu apart: characters no font has all draw the same box
    expect(
      await distinctGlyphs(page, "\u{10FFF0}\u{10FFF1}\u{10FFF2}\u{10FFF3}"),
    ).toBeLessThanOrEqual(1);
    // the stylesheet applied (CSP allows 'self'): the main column is capped for phones
    const maxWidth = await page.evaluate(
      `getComputedStyle(document.querySelector("main")).maxWidth`,
    );
    expect(maxWidth).not.toBe("none");
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, "home.png"), fullPage: false });
    await page.close();
  });

  it("follows links from the home page to a paper page, which shows the card", async () => {
    const page = await open("/");
    const hrefs = await page.$$eval("a[href^='/']", (as) =>
      as.map((a) => a.getAttribute("href") ?? ""),
    );
    const internal = [...new Set(hrefs.filter((h) => !h.startsWith("//")))];
    expect(internal.length).toBeGreaterThan(10);
    for (const href of internal) {
      const res = await page.request.get(web.base + href);
      expect(res.status(), href).toBe(200);
    }
    await page.click("a[href='/paper/2404.02101']");
    await page.waitForURL(`${web.base}/paper/2404.02101`);
    expect(await page.locator("h1").innerText()).toBe("CameraCtrl：给文生视频模型装上可控的“镜头”");
    expect(await distinctGlyphs(page, "给文生视频模型装上")).toBe(9);
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, "paper.png"), fullPage: true });
    await page.close();
  });

  it("shows a report page and a day page without serious accessibility problems", async () => {
    for (const [path, heading] of [
      ["/report/2024-W17", "📚 论文周报 · 2024年第17周（4月22日–4月26日）"],
      ["/d/2024-04-24", "2024-04-24 论文速递"],
      ["/search?q=%E8%A7%86%E9%A2%91", "搜索"],
    ] as const) {
      const page = await open(path);
      expect(await page.locator("h1").innerText(), path).toBe(heading);
      expect(await axeSerious(page), path).toEqual([]);
      const name = path.split("/")[1]?.split("?")[0] ?? "page";
      await page.screenshot({ path: join(OUTPUT, `${name}.png`) });
      await page.close();
    }
  });

  it("opens a chat's own report from its summary message's link, and only that chat's", async () => {
    const { app } = web;
    const chat = app.chats.ensure({
      platform: "telegram",
      chatId: "-4242",
      type: "group",
      title: "视觉组会",
    });
    for (const cat of ["cs.CV", "cs.CL"]) app.subscriptions.add(chat.id, "category", cat, null);
    const other = app.chats.ensure({
      platform: "telegram",
      chatId: "-4343",
      type: "group",
      title: "语音组",
    });
    app.subscriptions.add(other.id, "topic", "text-to-audio", null);
    // The long 周报's summary message links the chat's own page (its /feed token).
    const messages = await app.reports.forChat(chat, parsePeriod("2024-W17"));
    const link = /https:\/\/sudi\.example\.org(\/chat\/[^"]+)/.exec(JSON.stringify(messages))?.[1];
    expect(link).toBe(`/chat/${app.feeds.ensure(chat.id)}/report/2024-W17`);
    const page = await open(link as string);
    expect(await page.locator("h1").innerText()).toBe(
      "📚 论文周报 · 2024年第17周（4月22日–4月26日）",
    );
    const text = await page.locator("main").innerText();
    expect(text).toContain("「视觉组会」按自己的订阅");
    expect(text).toContain("ControlNet++");
    expect(await distinctGlyphs(page, "视觉组会按自己的订阅")).toBe(10);
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, "chat-report.png"), fullPage: false });
    // The other chat's token opens its own selection only.
    const otherPage = await open(`/chat/${app.feeds.ensure(other.id)}/report/2024-W17`);
    const otherText = await otherPage.locator("main").innerText();
    expect(otherText).toContain("文生音频");
    expect(otherText).not.toContain("ControlNet++");
    expect(otherText).not.toContain("视觉组会");
    await otherPage.close();
    // The public version is one click away; a reset token is the archive's 404.
    await page.click("a[href='/report/2024-W17']");
    await page.waitForURL(`${web.base}/report/2024-W17`);
    expect(await page.locator("main").innerText()).not.toContain("视觉组会");
    app.feeds.reset(chat.id);
    expect((await page.request.get(web.base + (link as string))).status()).toBe(404);
    await page.close();
  });

  it("runs with no console error, no CSP violation and no request outside the archive", () => {
    expect(problems).toEqual([]);
  });
});
