import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { SyncMetrics } from '../../observability/metrics';
import { startMetricsServer } from '../../observability/server';

test('product metrics render as Prometheus text with labels, histograms and escaping', () => {
  const m = new SyncMetrics();
  m.request({ method: 'POST', route: '/Users', status: 201, durationMs: 12 });
  m.request({ method: 'POST', route: '/Users', status: 201, durationMs: 700 });
  m.request({ method: 'GET', route: '/Users/{id}', status: undefined, durationMs: 5 });
  m.retry({ method: 'POST', route: '/Users' });
  m.outcomes({ created: 3, failed: 1, unchanged: 0 });
  m.runFinished('daily', 'completed', 90_000);
  const text = m.render();
  assert.match(text, /^evs_visitor_scim_requests_total\{method="POST",route="\/Users",status="201"\} 2$/m);
  assert.match(
    text,
    /^evs_visitor_scim_requests_total\{method="GET",route="\/Users\/\{id\}",status="error"\} 1$/m,
  );
  assert.match(
    text,
    /^evs_visitor_scim_request_duration_seconds_bucket\{method="POST",route="\/Users",le="0.025"\} 1$/m,
  );
  assert.match(
    text,
    /^evs_visitor_scim_request_duration_seconds_bucket\{method="POST",route="\/Users",le="\+Inf"\} 2$/m,
  );
  assert.match(text, /^evs_users_total\{outcome="created"\} 3$/m);
  assert.doesNotMatch(text, /outcome="unchanged"/, 'zero counts are not emitted');
  assert.match(text, /^evs_runs_total\{dry_run="false",kind="daily",status="completed"\} 1$/m);
  assert.match(text, /^evs_run_duration_seconds_sum\{dry_run="false",kind="daily"\} 90$/m);
  // Failed-run series exist at 0 before any failure: an alert on increase() sees the first one.
  assert.match(text, /^evs_runs_total\{dry_run="false",kind="daily",status="failed"\} 0$/m);
  assert.match(text, /^evs_runs_total\{dry_run="true",kind="user",status="failed"\} 0$/m);
  m.runFinished('user-dry-run', 'completed', 10);
  assert.match(m.render(), /^evs_runs_total\{dry_run="true",kind="user",status="completed"\} 1$/m);
});

test('GET /metrics serves the product metrics followed by the SDK runtime metrics', async () => {
  const sdk = http.createServer((_req, res) => res.end('temporal_worker_task_slots_available 5\n'));
  await new Promise<void>((r) => sdk.listen(0, '127.0.0.1', r));
  const sdkPort = (sdk.address() as { port: number }).port;
  const m = new SyncMetrics();
  m.outcomes({ updated: 2 });
  const server = await startMetricsServer({
    port: 0,
    host: '127.0.0.1',
    metrics: m,
    sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics`,
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /evs_users_total\{outcome="updated"\} 2/);
    assert.match(body, /temporal_worker_task_slots_available 5/);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/other`)).status, 404);
  } finally {
    await server.close();
    sdk.close();
  }
});

test("a tenant's runs are labelled with it; the configured company's carry no tenant label", () => {
  const m = new SyncMetrics();
  const acme = m.forTenant('acme');
  acme.runFinished('daily', 'completed', 2000);
  acme.outcomes({ created: 3 });
  acme.request({ method: 'POST', route: '/Users', status: 201, durationMs: 120 });
  acme.decision('opened');
  m.runFinished('daily', 'completed', 1000);
  const text = m.render();
  assert.match(text, /^evs_runs_total\{dry_run="false",kind="daily",status="completed",tenant="acme"\} 1$/m);
  assert.match(text, /^evs_runs_total\{dry_run="false",kind="daily",status="completed"\} 1$/m);
  assert.match(text, /^evs_users_total\{outcome="created",tenant="acme"\} 3$/m);
  assert.match(
    text,
    /^evs_visitor_scim_requests_total\{method="POST",route="\/Users",status="201",tenant="acme"\} 1$/m,
  );
  assert.match(text, /^evs_deletion_decisions_total\{event="opened",tenant="acme"\} 1$/m);
  assert.match(text, /^evs_runs_total\{dry_run="false",kind="initial",status="failed",tenant="acme"\} 0$/m);
});
