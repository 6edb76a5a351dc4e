import { afterEach, describe, expect, it } from "vitest";
import { type MetricsServer, startMetricsServer } from "../src/cli/metrics-server.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { metrics } from "../src/core/metrics.ts";
import { silentLogger } from "../src/log.ts";

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("Prometheus /metrics", () => {
  it("binds to loopback by default, on a port of its own", () => {
    const c = loadConfig({ SUDI_METRICS_PORT: "9464" }, {});
    expect(c.SUDI_METRICS_PORT).toBe(9464);
    expect(c.SUDI_METRICS_HOST).toBe("127.0.0.1");
    expect(loadConfig({}, {}).SUDI_METRICS_PORT).toBeUndefined();
    expect(() => loadConfig({ SUDI_METRICS_PORT: "70000" }, {})).toThrow(ConfigError);
  });

  it("serves what the stages counted, in the text format, over loopback", async () => {
    server = await startMetricsServer({ port: 0, host: "127.0.0.1" }, silentLogger);
    expect(server.address.address).toBe("127.0.0.1");
    const before = await (await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).text();
    const count = (text: string) =>
      Number(
        /^sudi_messages_total\{platform="discord",result="uncertain"\} (\d+)$/m.exec(text)?.[1] ??
          0,
      );
    metrics.messages.inc({ platform: "discord", result: "uncertain" });
    const res = await fetch(`http://127.0.0.1:${server.address.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = await res.text();
    expect(count(after) - count(before)).toBe(1);
    for (const name of [
      "sudi_papers_ingested_total",
      "sudi_cards_total",
      "sudi_llm_tokens_total",
      "sudi_llm_tokens_today",
      "sudi_llm_token_budget",
      "sudi_delivery_lag_seconds",
      "sudi_scheduler_ticks_total",
    ]) {
      expect(after).toContain(`# TYPE ${name} `);
    }
    const other = await fetch(`http://127.0.0.1:${server.address.port}/health`);
    expect(other.status).toBe(404);
  });
});
