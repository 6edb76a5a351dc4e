import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A preload that makes any network use fail loudly, so "offline" is checked, not assumed. */
const NO_NETWORK = `
import net from "node:net";
const refuse = () => { throw new Error("network used during the demo"); };
globalThis.fetch = async () => refuse();
net.Socket.prototype.connect = refuse;
`;

describe("sudi demo", () => {
  it("runs the whole pipeline offline, without a key and without touching SUDI_DB_PATH", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sudi-demo-"));
    const guard = join(dir, "no-network.mjs");
    writeFileSync(guard, NO_NETWORK);
    const dbPath = join(dir, "data", "sudi.db");
    const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--import", guard, join(ROOT, "bin/sudi.js"), "demo"],
          {
            cwd: dir,
            env: {
              PATH: process.env.PATH ?? "",
              SUDI_DB_PATH: dbPath,
              OPENAI_API_KEY: "sk-should-not-be-used-123",
              OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
              ARXIV_API_URL: "http://127.0.0.1:9/api/query",
            },
          },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          err += d;
        });
        child.on("error", reject);
        child.on("close", (c) => resolve({ code: c, out, err }));
      },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    // One coherent announcement: its counts add up, and every listed id is of April 2024.
    expect(out).toContain("导入 arXiv 2024-04-24 的公告：新论文 24 篇，交叉列表 3 篇，更新 0 篇");
    expect(out).toContain("中文卡片：共 27 篇，7 篇用示例卡片");
    expect(out).toContain("其余 20 篇没有 LLM key");
    const listed = [...out.matchAll(/arxiv\.org\/abs\/(\d{4})\.\d+/g)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(["2404"]));
    // In the digest, written cards come before untranslated fallback cards.
    const digest = out.slice(out.indexOf("📰 论文速递 · 2024-04-24"));
    const firstFallback = digest.indexOf("未配置 LLM");
    expect(firstFallback).toBeGreaterThan(digest.indexOf("推荐 ★★★★★"));
    expect(out).toContain("📰 论文速递 · 2024-04-24");
    expect(out).toContain("【文/图生视频】");
    expect(out).toContain("💡 一句话：");
    // no key in the demo: fallback cards say so, and never that a summary is on its way
    expect(out).toContain("未配置 LLM，先看英文摘要");
    expect(out).not.toContain("中文摘要生成中");
    expect(out).toContain("推荐 ★");
    // The brief digest, search over Chinese cards, and /paper served from the sample file.
    // brief lines are numbered like the cards' buttons (①👍 …)
    expect(out).toMatch(/^[\u2460-\u2473] CameraCtrl：[^\n]*（2404\.02101/mu);
    expect(out).toContain("TriForce：分层投机解码");
    expect(out).toContain("VoiceShop");
    expect(out).not.toContain("出错了");
    expect(existsSync(dbPath)).toBe(false);
  });
});
