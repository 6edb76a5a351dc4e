/**
 * The only place that reads Feishu's answers to a custom-bot webhook. Feishu answers HTTP 200
 * with a `code` for most failures; this maps code and status to what delivery does:
 * - transient: rate limits (11232, HTTP 429 / 99991400) and server trouble: try again later;
 * - gone: the webhook was deleted or its token is invalid (19001), the signature is wrong or the
 *   secret changed (19021), the server's address is not on the bot's IP list (19022), the bot
 *   was removed (19007): no message will pass until the operator fixes the chat;
 * - rejected: Feishu refused this one message (a bad request, 9499; a keyword filter, 19024):
 *   sending it again cannot help.
 * Reasons are Chinese sentences for `sudi chats list`; none holds the webhook URL.
 */

export type FeishuOutcome =
  | { kind: "ok" }
  | { kind: "transient"; retryAfterMs?: number; detail: string }
  | { kind: "gone"; reason: string; code: number }
  | { kind: "rejected"; detail: string; code: number };

export const FEISHU_REASONS = {
  tokenInvalid: "webhook 已失效（机器人被删除或地址被重置），请用新地址重新添加",
  signature: "签名校验失败（密钥不对或已重置；也可能是服务器时间偏差超过 1 小时）",
  ipNotAllowed: "服务器 IP 不在机器人的 IP 白名单里",
  botRemoved: "机器人已被移出群或停用",
  notFound: "webhook 地址不存在",
} as const;

const GONE: Record<number, string> = {
  19001: FEISHU_REASONS.tokenInvalid,
  19007: FEISHU_REASONS.botRemoved,
  19021: FEISHU_REASONS.signature,
  19022: FEISHU_REASONS.ipNotAllowed,
};

const TRANSIENT_CODES = new Set([11232, 99991400]);

export function classifyFeishu(
  status: number,
  body: { code?: unknown; StatusCode?: unknown; msg?: unknown } | null,
  retryAfterHeader?: string | null,
): FeishuOutcome {
  const code =
    typeof body?.code === "number"
      ? body.code
      : typeof body?.StatusCode === "number"
        ? body.StatusCode
        : null;
  const msg = typeof body?.msg === "string" ? body.msg.slice(0, 200) : "";
  const reset = Number(retryAfterHeader);
  const retryAfterMs =
    Number.isFinite(reset) && reset > 0 ? Math.min(reset, 3600) * 1000 : undefined;
  if (status === 429 || (code !== null && TRANSIENT_CODES.has(code))) {
    return {
      kind: "transient",
      retryAfterMs: retryAfterMs ?? 1000,
      detail: `rate limited (${code ?? status})`,
    };
  }
  if (status >= 500) return { kind: "transient", detail: `HTTP ${status}` };
  if (code !== null && GONE[code]) return { kind: "gone", reason: GONE[code] as string, code };
  if (status === 404) return { kind: "gone", reason: FEISHU_REASONS.notFound, code: 404 };
  if (status === 200 && code === 0) return { kind: "ok" };
  if (code === null && status >= 200 && status < 300) return { kind: "ok" };
  return {
    kind: "rejected",
    detail: `code ${code ?? "none"}, HTTP ${status}: ${msg}`,
    code: code ?? status,
  };
}
