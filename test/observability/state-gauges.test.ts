// Gauges read from the sync state at scrape time, for the configured company and a tenant, against the
// real PostgreSQL; served by GET /metrics beside the counters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyncMetrics } from '../../observability/metrics';
import { startMetricsServer } from '../../observability/server';
import { StateGauges } from '../../observability/state-gauges';
import { migrateTenantState, tenantSyncDb } from '../../state/tenant-state';
import { syncDatabase } from '../state/fixtures';

const { db, store } = syncDatabase('state_gauges');

describe('state gauges', () => {
  it("read each company's last success, decisions, quarantined and failing users, labelled by tenant", async () => {
    await db()
      .insertInto('sync.runs')
      .values([
        {
          id: 'd1',
          kind: 'daily',
          status: 'completed',
          workflow_id: 'd1',
          counts: '{}',
          finished_at: new Date('2026-11-02T02:00:00Z'),
        },
        {
          id: 'd2',
          kind: 'daily-dry-run',
          status: 'completed',
          workflow_id: 'd2',
          dry_run: true,
          counts: '{}',
          finished_at: new Date('2026-11-03T02:00:00Z'),
        },
        { id: 'r1', kind: 'daily', status: 'awaiting-approval', workflow_id: 'r1', counts: '{}' },
      ])
      .execute();
    for (const r of ['a', 'b', 'c']) await store().recordFailure(7, `run-${r}`, ['visitor_conflict'], {});
    await migrateTenantState(db(), 'acme');
    await tenantSyncDb(db(), 'acme')
      .insertInto('sync.runs')
      .values({
        id: 'i1',
        kind: 'initial',
        status: 'completed',
        workflow_id: 'acme.i1',
        counts: '{}',
        finished_at: new Date('2026-11-01T00:00:00Z'),
      })
      .execute();
    let reads = 0;
    let now = 0;
    const gauges = new StateGauges({
      db: db(),
      companies: async () => {
        reads++;
        return [
          { scheduleIntervalMs: 86_400_000 },
          { tenant: 'acme', scheduleIntervalMs: 3_600_000 },
          { tenant: 'missing', scheduleIntervalMs: 1 },
        ];
      },
      cacheMs: 1000,
      now: () => now,
    });
    const text = await gauges.render();
    const at = (iso: string) => Date.parse(iso) / 1000;
    assert.match(
      text,
      new RegExp(`^evs_last_success_timestamp_seconds\\{kind="daily"\\} ${at('2026-11-02T02:00:00Z')}$`, 'm'),
    );
    assert.doesNotMatch(text, /kind="daily-dry-run"/, 'a dry run is not a success of the sync');
    assert.match(
      text,
      new RegExp(
        `^evs_last_success_timestamp_seconds\\{kind="initial",tenant="acme"\\} ${at('2026-11-01T00:00:00Z')}$`,
        'm',
      ),
    );
    assert.match(text, /^evs_schedule_interval_seconds 86400$/m);
    assert.match(text, /^evs_schedule_interval_seconds\{tenant="acme"\} 3600$/m);
    assert.match(text, /^evs_runs_awaiting_decision\{type="plan-review"\} 1$/m);
    assert.match(text, /^evs_runs_awaiting_decision\{tenant="acme",type="plan-review"\} 0$/m);
    assert.match(text, /^evs_quarantined_users 1$/m);
    assert.match(text, /^evs_quarantined_users\{tenant="acme"\} 0$/m);
    assert.match(text, /^evs_failing_users\{code="visitor_conflict"\} 1$/m);
    assert.match(text, /^evs_state_read_errors 1$/m, 'a tenant without a state schema is counted, not fatal');

    // Within the cache time one reading serves every scrape; after it, the state is read again.
    await gauges.render();
    assert.equal(reads, 1);
    now = 1000;
    await gauges.render();
    assert.equal(reads, 2);

    const server = await startMetricsServer({
      port: 0,
      metrics: new SyncMetrics(),
      extra: () => gauges.render(),
    });
    try {
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      assert.match(body, /^evs_quarantined_users 1$/m);
      assert.match(body, /# TYPE evs_runs_total counter/);
    } finally {
      await server.close();
    }
  });

  it('a failing read leaves the other metrics served and is not cached', async () => {
    let fail = true;
    const gauges = new StateGauges({
      db: db(),
      companies: async () => {
        if (fail) throw new Error('registry down');
        return [{ scheduleIntervalMs: 60_000 }];
      },
    });
    const server = await startMetricsServer({
      port: 0,
      metrics: new SyncMetrics(),
      extra: () => gauges.render(),
    });
    try {
      const first = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      assert.match(first, /# state gauges unavailable: registry down/);
      assert.match(first, /# TYPE evs_runs_total counter/);
      fail = false;
      const second = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      assert.match(second, /^evs_schedule_interval_seconds 60$/m);
    } finally {
      await server.close();
    }
  });

  it('a slow reading never holds a scrape: it answers with the last good reading, and is shared, not repeated', async () => {
    let reads = 0;
    let delayMs = 300;
    let now = 0;
    const gauges = new StateGauges({
      db: db(),
      companies: async () => {
        reads++;
        await new Promise((r) => setTimeout(r, delayMs));
        return [{ scheduleIntervalMs: 60_000 * reads }];
      },
      cacheMs: 1000,
      waitMs: 50,
      now: () => now,
    });
    assert.match(await gauges.render(), /first reading is still under way/);
    now = 5000; // past the cache time, but the first reading is still under way: shared
    assert.match(await gauges.render(), /first reading is still under way/);
    assert.equal(reads, 1);
    await new Promise((r) => setTimeout(r, 400));
    // The first reading ended (stale by now): a fast new one answers within the wait.
    delayMs = 10;
    assert.match(await gauges.render(), /^evs_schedule_interval_seconds 120$/m);
    now = 20_000;
    delayMs = 300;
    assert.match(
      await gauges.render(),
      /^evs_schedule_interval_seconds 120$/m,
      'while a slow one runs, the last good one',
    );
    assert.equal(reads, 3);
  });
});
