import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toPlainText } from "../src/digest/render/text.ts";
import { resetLearntDowngrades } from "../src/summarise/llm.ts";
import { paper, realCard, setup } from "./commands-setup.ts";
import { type FakeArxiv, startFakeArxiv } from "./fakes/arxiv.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fakes/openai.ts";

let arxiv: FakeArxiv;
let llm: FakeOpenAI;
beforeAll(async () => {
  [arxiv, llm] = await Promise.all([startFakeArxiv(), startFakeOpenAI()]);
});
afterAll(async () => {
  await Promise.all([arxiv.close(), llm.close()]);
});
beforeEach(() => {
  llm.reset();
  arxiv.requests.length = 0;
  resetLearntDowngrades();
});

const apiRequests = () => arxiv.requests.filter((r) => r.endpoint === "api").length;

describe("/paper", () => {
  it("fetches an unknown paper, summarises it and answers with its Chinese card", async () => {
    const s = setup({ arxivApiUrl: arxiv.apiUrl, openaiUrl: llm.url });
    let working = 0;
    const replies = await s.bot.handle({
      chat: { platform: "telegram", chatId: "42", type: "private" },
      userId: "42",
      text: "/paper https://arxiv.org/abs/2404.02101v1",
      isAdmin: async () => true,
      onWorking: () => working++,
    });
    const text = replies.map(toPlainText).join("\n");
    expect(text).toContain("CameraCtrl");
    expect(text).toContain("💡 一句话：");
    expect(text).toContain("https://arxiv.org/abs/2404.02101");
    expect(working).toBeGreaterThan(0);
    // Under the card: its row of 👍 👎 ⭐ 收藏 深读 (深读 runs /deep), then links to arXiv
    // and the PDF, built from the id.
    const card = replies[0]?.blocks.find((b) => b.kind === "card");
    expect(card?.buttons?.map((b) => b.label)).toEqual(["👍", "👎", "⭐ 收藏", "深读"]);
    expect(card?.buttons?.at(-1)?.press).toBe("v1:r:2404.02101:0");
    const buttons = replies[0]?.buttons ?? [];
    expect(buttons).toEqual([
      { label: "📄 arXiv", url: "https://arxiv.org/abs/2404.02101" },
      { label: "📥 PDF", url: "https://arxiv.org/pdf/2404.02101" },
      ...(buttons.length > 2 ? [{ label: "💻 代码", url: expect.stringMatching(/^https?:/) }] : []),
    ]);
    expect(s.papers.get("2404.02101")?.title).toContain("CameraCtrl");
    expect(apiRequests()).toBe(1);
    expect(llm.requests.length).toBe(1);
    // The second time everything comes from the store.
    await s.send("/paper 2404.02101");
    expect(apiRequests()).toBe(1);
    expect(llm.requests.length).toBe(1);
  });

  it("shares one arXiv fetch and one LLM call among concurrent requests for the same paper", async () => {
    const s = setup({ arxivApiUrl: arxiv.apiUrl, openaiUrl: llm.url });
    const replies = await Promise.all(
      ["2404.15275", "arXiv:2404.15275", "2404.15275v1", "https://arxiv.org/pdf/2404.15275"].map(
        (id, i) => s.say(`/paper ${id}`, { userId: `u${i}` }),
      ),
    );
    for (const r of replies) expect(r).toContain("ID-Animator");
    expect(apiRequests()).toBe(1);
    expect(llm.requests.length).toBe(1);
  });

  it("answers with the accepted forms for an invalid id, asking arXiv nothing", async () => {
    const s = setup({ arxivApiUrl: arxiv.apiUrl });
    for (const bad of [
      "2404.1",
      "9913.12345",
      "abc",
      "2404.14469v0",
      "<script>",
      "2404.14469 2404.14470",
    ]) {
      const reply = await s.say(`/paper ${bad}`);
      expect(reply).toContain("不是有效的 arXiv id");
      expect(reply).toContain("https://arxiv.org/abs/2404.14469");
    }
    expect(await s.say("/paper")).toContain("用法");
    expect(arxiv.requests.length).toBe(0);
  });

  it("says when arXiv does not know the paper", async () => {
    const s = setup({ arxivApiUrl: arxiv.apiUrl });
    expect(await s.say("/paper 2404.99999")).toContain("找不到 2404.99999");
    expect(s.papers.get("2404.99999")).toBeNull();
  });

  it("says arXiv is unreachable instead of failing when arXiv answers 503", async () => {
    const s = setup({ arxivApiUrl: arxiv.apiUrl });
    arxiv.inject({ kind: "status", status: 503 }, { times: 5 });
    expect(await s.say("/paper 2404.12347")).toContain("暂时连不上 arXiv");
  });

  it("limits each user to 10 a minute with a polite answer, then lets them in again", async () => {
    const s = setup({ now: new Date("2024-04-25T00:00:00Z") });
    const p = paper("2404.11912", { title: "TriForce" });
    s.papers.upsert(p);
    s.cards.put(realCard(p, { title_zh: "TriForce 中文" }));
    for (let i = 0; i < 10; i++) {
      s.clock.now = new Date(Date.parse("2024-04-25T00:00:00Z") + i * 1000);
      expect(await s.say("/paper 2404.11912", { userId: "greedy" })).toContain("TriForce 中文");
    }
    const limited = await s.say("/paper 2404.11912", { userId: "greedy" });
    expect(limited).toContain("请 51 秒后再试");
    // Someone else is not affected.
    expect(await s.say("/paper 2404.11912", { userId: "other" })).toContain("TriForce 中文");
    s.clock.now = new Date(Date.parse("2024-04-25T00:01:00.500Z"));
    expect(await s.say("/paper 2404.11912", { userId: "greedy" })).toContain("TriForce 中文");
  });
});
