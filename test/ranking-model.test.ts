/**
 * The learned ranking on a synthetic preference: a chat likes diffusion papers and dislikes
 * agent papers (real arXiv titles and abstracts from the fixtures). Trained through the stores
 * as the bot trains it, it must rank unseen diffusion papers above unseen agent papers:
 * AUC ≥ 0.8 on held-out papers.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseApiResponse, parseFeed } from "../src/arxiv/parse.ts";
import { MIN_POSITIVES, Ranker } from "../src/ranking/ranker.ts";
import { ChatStore } from "../src/store/chats.ts";
import { openDatabase } from "../src/store/db.ts";
import { FeatureStore } from "../src/store/features.ts";
import { OutboxStore } from "../src/store/outbox.ts";
import type { Paper } from "../src/store/paper.ts";
import { PaperStore } from "../src/store/papers.ts";
import { VoteStore } from "../src/store/votes.ts";
import { fixturePapers } from "./summarise-fixtures.ts";

const DIFFUSION = /diffusion/i;
const AGENT = /\bagent(s|ic)?\b|multi-agent/i;

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/arxiv/${name}`, import.meta.url), "utf8");

/** Every real paper of the fixtures: the editor-labelled set, a feed and API answers. */
function corpus(): Paper[] {
  const feed = parseFeed(fixture("feed-2024-04-24-cs.CL+cs.CV+cs.LG.atom.xml")).items;
  const api = ["api-id_list.xml", "api-search-cs.CL.xml", "api-2024-04-25.xml"].flatMap(
    (f) => parseApiResponse(fixture(f)).papers,
  );
  const byId = new Map<string, Paper>();
  for (const p of [...fixturePapers(), ...feed, ...api]) byId.set(p.id, { ...p });
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The probability that a random positive scores above a random negative. */
function auc(positives: number[], negatives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

describe("learned ranking", () => {
  it("ranks unseen diffusion papers above unseen agent papers (AUC ≥ 0.8)", () => {
    const db = openDatabase(":memory:");
    const papers = new PaperStore(db);
    const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
    const votes = new VoteStore(db);
    const outbox = new OutboxStore(db);
    const ranker = new Ranker({ features: new FeatureStore(db), votes, papers });
    const chat = chats.ensure({ platform: "telegram", chatId: "-100", type: "group" });

    const all = corpus();
    for (const p of all) papers.upsert(p);
    ranker.index(all);
    const text = (p: Paper) => `${p.title} ${p.abstract}`;
    const diffusion = all.filter((p) => DIFFUSION.test(text(p)) && !AGENT.test(text(p)));
    const agents = all.filter((p) => AGENT.test(text(p)) && !DIFFUSION.test(text(p)));
    // Every other paper of each class is voted on; the rest are held out.
    const train = (list: Paper[]) => list.filter((_, i) => i % 2 === 0);
    const held = (list: Paper[]) => list.filter((_, i) => i % 2 === 1);
    expect(train(diffusion).length).toBeGreaterThanOrEqual(MIN_POSITIVES);
    expect(held(agents).length).toBeGreaterThanOrEqual(3);

    // The voted papers came in digests with other (unvoted) papers: the weak negatives.
    const heldOut = new Set([...held(diffusion), ...held(agents)].map((p) => p.id));
    const sent = all.filter((p) => !heldOut.has(p.id)).map((p) => p.id);
    outbox.recordSent(chat.id, "2024-04-24", sent, "test", "1");
    // members vote for themselves; the group learns from all of them
    train(diffusion).forEach((p, i) => {
      votes.toggleVote(chat.id, `user-${i % 3}`, p.id, 1);
    });
    for (const p of train(agents)) votes.toggleVote(chat.id, "user-0", p.id, -1);

    const ranked = ranker.rankFor(chat.id, [...held(diffusion), ...held(agents)]);
    const score = new Map(ranked.map((r) => [r.paper.id, r.score]));
    const value = auc(
      held(diffusion).map((p) => score.get(p.id) ?? 0),
      held(agents).map((p) => score.get(p.id) ?? 0),
    );
    expect(value).toBeGreaterThanOrEqual(0.8);
    // The top of the list is explained by a liked paper it resembles.
    expect(ranked[0]?.paper.id && DIFFUSION.test(text(ranked[0].paper))).toBe(true);
  });

  it("orders nothing before a chat has enough positive votes", () => {
    const db = openDatabase(":memory:");
    const papers = new PaperStore(db);
    const chats = new ChatStore(db, { timezone: "Asia/Shanghai", digestTime: "09:00" });
    const votes = new VoteStore(db);
    const ranker = new Ranker({ features: new FeatureStore(db), votes, papers });
    const chat = chats.ensure({ platform: "telegram", chatId: "42", type: "private" });
    const all = corpus().slice(0, 10);
    for (const p of all) papers.upsert(p);
    ranker.index(all);
    for (const p of all.slice(0, MIN_POSITIVES - 1)) votes.toggleVote(chat.id, "42", p.id, 1);
    expect(ranker.modelFor(chat.id)).toBeNull();
    expect(ranker.rankFor(chat.id, all).map((r) => r.paper.id)).toEqual(all.map((p) => p.id));
  });
});
