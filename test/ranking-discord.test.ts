/**
 * A vote on Discord: the press is acknowledged without a message (callback type 6) and the
 * counts are shown by editing the buttons of the message it is on, through the fake Discord.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { answerInteraction } from "../bots/discord/answer.ts";
import { renderDiscordPayload } from "../bots/discord/render.ts";
import { createDiscordRest } from "../bots/discord/rest.ts";
import { cardButtons } from "../src/digest/buttons.ts";
import { silentLogger } from "../src/log.ts";
import { loadTaxonomy } from "../src/topics/taxonomy.ts";
import { paper, realCard, setup } from "./commands-setup.ts";
import { type FakeDiscord, startFakeDiscord } from "./fakes/discord.ts";
import { waitUntil } from "./helpers/wait.ts";

type Raw = Record<string, unknown> & { id: string; token: string };

let fake: FakeDiscord;
beforeEach(async () => {
  fake = await startFakeDiscord();
});
afterEach(async () => {
  await fake.close();
});

describe("votes on Discord", () => {
  it("are acknowledged without a message and shown by editing the buttons", async () => {
    const s = setup({ relabelIntervalMs: 0 });
    const p = paper("2404.14469");
    s.papers.upsert(p);
    s.cards.put(realCard(p));
    const part = renderDiscordPayload({
      blocks: [{ kind: "card", lines: [], paperId: p.id, buttons: cardButtons(p.id, 1) }],
    });
    const components = part.components ?? [];
    const up = components[0]?.components[0]?.custom_id ?? "";
    const base = JSON.parse(
      readFileSync(new URL("./fixtures/discord/guild-button-paper.json", import.meta.url), "utf8"),
    ) as Raw;
    const raw: Raw = {
      ...base,
      data: { component_type: 2, custom_id: up, id: 2 },
      message: { ...(base.message as object), components },
    };
    const record = fake.registerInteraction(raw);
    const rest = createDiscordRest({ token: fake.token, apiRoot: fake.apiRoot });
    await answerInteraction(raw, {
      rest,
      handler: s.bot,
      taxonomy: loadTaxonomy(),
      log: silentLogger,
    });
    // The edit runs right after the answer (I/O with the fake, no clock involved).
    await waitUntil(() => record.original !== undefined, { what: "the edited buttons" });
    expect(record.callbacks.map((c) => [c.type, c.accepted])).toEqual([[6, true]]);
    expect(record.followUps).toEqual([]);
    const edited = JSON.stringify(record.original);
    expect(edited).toContain("①👍1");
    expect(edited).toContain("①👎");
    const chat = s.chats.find("discord", "1187431403344539749");
    expect(s.personal.votes.counts(chat?.id ?? 0, [p.id]).get(p.id)?.up).toBe(1);
  });
});
