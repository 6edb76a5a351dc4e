/**
 * A local fake of Feishu's custom-bot webhooks, on 127.0.0.1: POST /open-apis/bot/v2/hook/<token>.
 *
 * It behaves like Feishu where sudi could get it wrong: the signature is checked (HMAC-SHA256
 * keyed "<timestamp>\n<secret>", timestamp within an hour) and refused with 19021; a revoked or
 * unknown hook answers 19001; bodies over 20 KB or that are not interactive cards are refused
 * with 9499; each hook allows 5 requests a second and 100 a minute and answers 11232 beyond.
 * Everything is answered HTTP 200 with Feishu's {code, msg} body, as Feishu does. It records
 * each accepted card and counts refusals.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeHook {
  token: string;
  secret?: string;
  revoked?: boolean;
  /** accepted cards, in order */
  cards: Record<string, unknown>[];
  /** request times (ms), accepted or not, for the limits */
  times: number[];
  refused: Record<number, number>;
}

export interface FakeFeishu {
  url: string;
  /** a webhook URL of a new hook */
  addHook(options?: { secret?: string }): { url: string; hook: FakeHook };
  hooks: Map<string, FakeHook>;
  /** 11232 answers given (any hook) */
  rateLimited(): number;
  close(): Promise<void>;
}

export interface FakeFeishuOptions {
  perSecond?: number;
  perMinute?: number;
  now?: () => number;
}

const answer = (code: number, msg: string) =>
  JSON.stringify(
    code === 0
      ? { StatusCode: 0, StatusMessage: "success", code: 0, data: {}, msg: "success" }
      : { code, data: {}, msg },
  );

export async function startFakeFeishu(options: FakeFeishuOptions = {}): Promise<FakeFeishu> {
  const perSecond = options.perSecond ?? 5;
  const perMinute = options.perMinute ?? 100;
  const now = options.now ?? Date.now;
  const hooks = new Map<string, FakeHook>();
  let limited = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (code: number, msg: string) => {
        res.writeHead(200, { "content-type": "application/json", "x-tt-logid": randomUUID() });
        res.end(answer(code, msg));
      };
      const m = /^\/open-apis\/bot\/v2\/hook\/([\w-]+)$/.exec(req.url ?? "");
      const hook = m ? hooks.get(m[1] ?? "") : undefined;
      if (req.method !== "POST" || !hook || hook.revoked) {
        return send(19001, "param invalid: incoming webhook access token invalid");
      }
      const t = now();
      hook.times.push(t);
      const refuse = (code: number, msg: string) => {
        hook.refused[code] = (hook.refused[code] ?? 0) + 1;
        send(code, msg);
      };
      const recent = hook.times.filter((x) => t - x < 60_000);
      if (recent.filter((x) => t - x < 1000).length > perSecond || recent.length > perMinute) {
        limited++;
        return refuse(11232, "frequency limited psm[lark.oapi.app_platform_runtime]");
      }
      const raw = Buffer.concat(chunks);
      if (raw.length > 20 * 1024) return refuse(9499, "Bad Request: request body too large");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        return refuse(9499, "Bad Request");
      }
      if (hook.secret) {
        const ts = Number(body.timestamp);
        const expected = createHmac("sha256", `${body.timestamp}\n${hook.secret}`)
          .update("")
          .digest("base64");
        if (!Number.isFinite(ts) || Math.abs(t / 1000 - ts) > 3600 || body.sign !== expected) {
          return refuse(
            19021,
            "sign match fail or timestamp is not within one hour from current time",
          );
        }
      }
      const card = body.card as { elements?: unknown } | undefined;
      if (body.msg_type !== "interactive" || !card || !Array.isArray(card.elements)) {
        return refuse(9499, "Bad Request: params error");
      }
      hook.cards.push(card as Record<string, unknown>);
      send(0, "success");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hooks,
    addHook: (o = {}) => {
      const token = randomUUID();
      const hook: FakeHook = { token, secret: o.secret, cards: [], times: [], refused: {} };
      hooks.set(token, hook);
      return { url: `${url}/open-apis/bot/v2/hook/${token}`, hook };
    },
    rateLimited: () => limited,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
