// GET /metrics: the product's metrics followed by the Temporal SDK runtime's (scraped from the
// runtime's own Prometheus endpoint on an internal port), so operators scrape one address.
import http from 'node:http';
import { listen } from './listen';
import type { SyncMetrics } from './metrics';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: {
  port: number;
  host?: string;
  metrics: SyncMetrics;
  sdkMetricsUrl?: string;
  /** More series read at scrape time (the sync state's gauges); an error omits them, never the rest. */
  extra?: () => Promise<string>;
}): Promise<MetricsServer> {
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    let sdk = '';
    if (opts.sdkMetricsUrl) {
      try {
        sdk = await (await fetch(opts.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) })).text();
      } catch {
        sdk = '# Temporal SDK metrics unavailable\n';
      }
    }
    let extra = '';
    if (opts.extra) {
      try {
        extra = await opts.extra();
      } catch (err) {
        extra = `# state gauges unavailable: ${String((err as Error).message).replace(/\n/g, ' ')}\n`;
      }
    }
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
      .end(opts.metrics.render() + extra + sdk);
  });
  const port = await listen(server, opts.port, opts.host);
  return {
    port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
