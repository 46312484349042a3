// Probes for an orchestrator (Kubernetes, compose): GET /healthz answers 200 while the process is
// alive and its worker has not failed (liveness); GET /readyz answers 200 only while the Temporal
// worker polls its task queues, and 503 before it starts and once it drains (readiness). Off unless
// HEALTH_PORT is set.
import http from 'node:http';
import { listen } from '../observability/listen';

/** What the probes report; states are the SDK's Worker.getState() values. */
export interface HealthSource {
  /** States of the process's Temporal workers, or [] while they are being created. */
  states(): readonly string[];
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export type Health = { live: boolean; ready: boolean; detail: string };

/** Live unless a worker failed; ready only while every worker is RUNNING. */
export function health(source: HealthSource): Health {
  const states = source.states();
  const detail = states.length ? states.join(',') : 'STARTING';
  return {
    live: !states.includes('FAILED'),
    ready: states.length > 0 && states.every((s) => s === 'RUNNING'),
    detail,
  };
}

export async function startHealthServer(opts: {
  port: number;
  host?: string;
  source: HealthSource;
}): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/healthz' && path !== '/readyz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /healthz or /readyz\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    const h = health(opts.source);
    const ok = path === '/healthz' ? h.live : h.ready;
    res
      .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
      .end(`${ok ? 'ok' : 'not ok'} ${h.detail}\n`);
  });
  // Probes must not hold the process open while it drains.
  server.keepAliveTimeout = 1000;
  const port = await listen(server, opts.port, opts.host);
  return {
    port,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
