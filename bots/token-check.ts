/**
 * The one token check every platform's `check` uses: one GET to the platform's "who am I"
 * endpoint, no retries, a short timeout. A refusal names the variable to fix; a network
 * failure says which API root could not be reached. Neither ever includes the token.
 */
import type { TokenCheck } from "./platform.ts";

export interface TokenProbe {
  platform: string;
  /** the variable holding the token, e.g. TELEGRAM_BOT_TOKEN */
  variable: string;
  /** the variable holding the API root, and its value */
  rootVariable: string;
  root: string;
  /** the full request; built by the platform, never shown */
  url: string;
  headers?: Record<string, string>;
  /** the platform's name as people write it, e.g. "Telegram" */
  name: string;
  timeoutMs?: number;
}

export async function checkToken(probe: TokenProbe): Promise<TokenCheck> {
  const base = { platform: probe.platform };
  let status: number;
  try {
    const res = await fetch(probe.url, {
      ...(probe.headers ? { headers: probe.headers } : {}),
      signal: AbortSignal.timeout(probe.timeoutMs ?? 10_000),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (error) {
    const why = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "failed";
    return {
      ...base,
      ok: false,
      reason: "unreachable",
      variable: probe.rootVariable,
      message: `cannot reach ${probe.name} at ${probe.rootVariable}=${probe.root} (the request ${why}); check the network or ${probe.rootVariable}`,
    };
  }
  if (status >= 200 && status < 300) {
    return { ...base, ok: true, message: `${probe.variable} is valid` };
  }
  if (status === 401 || status === 403 || status === 404) {
    // Telegram answers a malformed token with 404, a revoked one with 401.
    return {
      ...base,
      ok: false,
      reason: "invalid",
      variable: probe.variable,
      message: `${probe.variable} is invalid or revoked (${probe.name} answered ${status})`,
    };
  }
  return {
    ...base,
    ok: false,
    reason: "unreachable",
    variable: probe.rootVariable,
    message: `${probe.name} at ${probe.rootVariable}=${probe.root} answered ${status}; try again later`,
  };
}
