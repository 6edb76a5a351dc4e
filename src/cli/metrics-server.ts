/**
 * The Prometheus endpoint: GET /metrics on SUDI_METRICS_PORT, bound to SUDI_METRICS_HOST
 * (127.0.0.1 by default). A server of its own, never a route of a public port: metrics name
 * platforms and volumes an operator may not want on the web. Started by `sudi start`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { registry } from "../core/metrics.ts";
import type { Logger } from "../log.ts";

export interface MetricsServer {
  /** the address it listens on (port 0 in tests gives a free one) */
  address: AddressInfo;
  close(): Promise<void>;
}

/** Listens and resolves once bound; rejects when the port is taken. */
export function startMetricsServer(
  options: { port: number; host: string },
  log: Logger,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (error) => {
        log.error("metrics failed", { error });
        res.writeHead(500).end();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      log.info("metrics listening", { url: `http://${options.host}:${address.port}/metrics` });
      resolve({
        address,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
