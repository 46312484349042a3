// The Engage SCIM API's own operational endpoints: GET /healthz (the process answers), /readyz (its
// Engage database answers) and /metrics (requests by route and status, the change outbox's backlog).
// Served on the API's port; a reverse proxy publishes only /scim/… and /t/… to identity providers.
import type { ServerResponse } from 'node:http';
import { type Kysely, sql } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import { Counter, Gauge, Histogram } from '../observability/prometheus';

const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The route template of a request path (ids replaced), so series stay few whatever the callers send. */
export function routeTemplate(path: string): string {
  const p = path.toLowerCase().replace(/\/+$/, '');
  const tenant = /^\/t\/[^/]+(\/.*)?$/.exec(p);
  const rest = tenant ? (tenant[1] ?? '/') : p;
  const prefix = tenant ? '/t/{tenant}' : '';
  const m = /^\/scim\/api\/v1(\/[^/]+)?(\/[^/]+)?/.exec(rest);
  if (!m) return /token$/.test(rest) ? `${prefix}/token` : 'other';
  const resource = m[1] ?? '';
  const known = [
    '/users',
    '/groups',
    '/bulk',
    '/serviceproviderconfig',
    '/schemas',
    '/resourcetypes',
    '/token',
    '/me',
  ];
  if (resource && !known.includes(resource)) return `${prefix}/scim/api/V1/other`;
  return `${prefix}/scim/api/V1${resource}${m[2] ? '/{id}' : ''}`;
}

export class EngageScimMetrics {
  readonly requests = new Counter(
    'evs_engage_scim_requests_total',
    'Requests to the Engage SCIM API by method, route template and status.',
  );
  readonly duration = new Histogram(
    'evs_engage_scim_request_duration_seconds',
    'Engage SCIM API request duration by method and route template.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );

  request(e: { method: string; path: string; status: number; durationMs: number }) {
    const route = routeTemplate(e.path);
    this.requests.inc({ method: e.method, route, status: String(e.status) });
    this.duration.observe({ method: e.method, route }, e.durationMs / 1000);
  }
}

/** Undelivered changes of the configured company's outbox: how many, and how old the oldest is. */
export async function outboxBacklog(
  db: Kysely<EngageDatabase>,
): Promise<{ count: number; oldestSeconds: number }> {
  const { rows } = await sql<{ n: string; oldest: number | null }>`
    SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS oldest
    FROM ${sql.table('engage.change_outbox')}
    WHERE delivered_at IS NULL`.execute(db);
  return { count: Number(rows[0]?.n ?? 0), oldestSeconds: Math.max(0, rows[0]?.oldest ?? 0) };
}

/** Answers an operational path; false when the path is not one (the SCIM routes take it). */
export async function serveOps(
  path: string,
  method: string,
  res: ServerResponse,
  o: { db: Kysely<EngageDatabase>; metrics: EngageScimMetrics; log?: (message: string) => void },
): Promise<boolean> {
  if (!OPS_PATHS.has(path)) return false;
  const text = (status: number, body: string, type = 'text/plain; charset=utf-8') =>
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    text(405, 'method not allowed: use GET\n');
    return true;
  }
  if (path === '/healthz') {
    text(200, 'ok\n');
    return true;
  }
  if (path === '/readyz') {
    try {
      await withTimeout(sql`SELECT 1`.execute(o.db), 2000);
      text(200, 'ok engage database answers\n');
    } catch (err) {
      // The port is public: the database's own words (host names, user names) go to the log only.
      o.log?.(`/readyz: the Engage database does not answer: ${(err as Error).message}`);
      text(503, 'not ready: the Engage database does not answer\n');
    }
    return true;
  }
  const backlog = new Gauge(
    'evs_engage_scim_outbox_backlog',
    'Changes committed and not yet handed to provisioning.',
  );
  const oldest = new Gauge(
    'evs_engage_scim_outbox_oldest_seconds',
    'Age of the oldest undelivered change (0 when none).',
  );
  let note = '';
  try {
    const b = await withTimeout(outboxBacklog(o.db), 2000);
    backlog.set({}, b.count);
    oldest.set({}, b.oldestSeconds);
  } catch (err) {
    o.log?.(`/metrics: the outbox backlog cannot be read: ${(err as Error).message}`);
    note = '# outbox backlog unavailable (see the server log)\n';
  }
  text(
    200,
    `${[o.metrics.requests, o.metrics.duration, backlog, oldest].map((m) => m.render()).join('\n')}\n${note}`,
    'text/plain; version=0.0.4; charset=utf-8',
  );
  return true;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
