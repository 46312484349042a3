// Which alerts are due, from plain snapshots: the keys decide how often each repeats.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompanySnapshot, dueAlerts, quarantineBucket } from '../../alerts/decide';

const H = 3_600_000;
const DAY = 24 * H;
const NOW = new Date('2026-11-10T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const margin = { staleMarginMs: H };

function snapshot(over: Partial<CompanySnapshot> = {}): CompanySnapshot {
  return {
    tenant: undefined,
    intervalMs: DAY,
    lastSuccesses: [{ kind: 'daily', runId: 'daily-1', finishedAt: ago(2 * H) }],
    awaiting: [],
    quarantined: 0,
    finished: [],
    expectedSince: ago(30 * DAY),
    ...over,
  };
}

const run = (id: string, status: string, dryRun = false) => ({
  id,
  kind: 'daily',
  status,
  workflowId: id,
  dryRun,
  reason: 'Visitor answered 409 for ann@example.com',
  finishedAt: ago(H),
});

const keys = (s: CompanySnapshot, now = NOW) => dueAlerts(s, now, margin).map((a) => a.key);

describe('alerts: what is due', () => {
  it('a healthy company: nothing', () => {
    assert.deepEqual(keys(snapshot()), []);
  });

  it('failed runs alert, dry ones too; stopped, cancelled, skipped and completed ones do not', () => {
    const s = snapshot({
      finished: [
        run('r1', 'failed'),
        run('r2', 'failed', true),
        run('r3', 'stopped'),
        run('r4', 'cancelled'),
        run('r5', 'skipped'),
        run('r6', 'completed'),
      ],
    });
    assert.deepEqual(keys(s), ['run-failed:r1', 'run-failed:r2']);
    const [a] = dueAlerts(s, NOW, margin);
    assert.equal(a?.kind === 'run-failed' && a.runKind, 'daily');
    // The reason may quote a user: it is not carried.
    assert.doesNotMatch(JSON.stringify(dueAlerts(s, NOW, margin)), /example\.com|409/);
  });

  it('pending decisions alert once per decision; an expired deletion decision does not', () => {
    const s = snapshot({
      awaiting: [
        {
          type: 'plan-review',
          id: 'run-7',
          workflowId: 'run-7',
          since: ago(H),
          expiresAt: null,
          reason: null,
        },
        { type: 'deletions', id: '12', workflowId: null, since: ago(H), expiresAt: ago(-H), reason: 'x' },
        {
          type: 'deletions',
          id: '11',
          workflowId: null,
          since: ago(9 * DAY),
          expiresAt: ago(H),
          reason: 'x',
        },
      ],
    });
    assert.deepEqual(keys(s), ['awaiting:plan-review:run-7', 'awaiting:deletions:12']);
  });

  it('stale past interval + margin, counting initial and daily runs only', () => {
    const s = (age: number, kind = 'daily') =>
      snapshot({ lastSuccesses: [{ kind, runId: 'd9', finishedAt: ago(age) }] });
    assert.deepEqual(keys(s(DAY + H - 60_000)), []);
    assert.deepEqual(keys(s(DAY + H + 60_000)), ['stale:d9:0']);
    // A per-user run's success says nothing of the bulk sync.
    assert.deepEqual(
      keys(
        snapshot({
          lastSuccesses: [
            { kind: 'user', runId: 'u1', finishedAt: ago(60_000) },
            { kind: 'initial', runId: 'i1', finishedAt: ago(3 * DAY) },
          ],
        }),
      ),
      ['stale:i1:1'],
    );
    const [a] = dueAlerts(s(DAY + 2 * H), NOW, margin);
    assert.ok(a?.kind === 'sync-stale');
    assert.equal(a.ageMs, DAY + 2 * H);
    assert.equal(a.lastSuccessRunId, 'd9');
  });

  it('a stale company re-alerts at most once per interval; a new success starts afresh', () => {
    const s = snapshot({ lastSuccesses: [{ kind: 'daily', runId: 'd9', finishedAt: ago(DAY + 2 * H) }] });
    const seen = new Set<string>();
    // Every minute for three days: one key per interval overdue.
    for (let t = 0; t < 3 * DAY; t += 60_000)
      for (const k of keys(s, new Date(NOW.getTime() + t))) seen.add(k);
    assert.deepEqual([...seen], ['stale:d9:0', 'stale:d9:1', 'stale:d9:2', 'stale:d9:3']);
    const fresh = snapshot({
      lastSuccesses: [{ kind: 'daily', runId: 'd10', finishedAt: ago(DAY + 2 * H) }],
    });
    assert.deepEqual(keys(fresh), ['stale:d10:0']);
  });

  it('never succeeded: stale once its first run (or registration) is older than interval + margin', () => {
    const never = (since: Date | null) => snapshot({ lastSuccesses: [], expectedSince: since });
    assert.deepEqual(keys(never(null)), [], 'a new install that never ran');
    assert.deepEqual(keys(never(ago(DAY))), []);
    assert.deepEqual(keys(never(ago(DAY + 2 * H))), ['stale:none:0']);
    const [a] = dueAlerts(never(ago(DAY + 2 * H)), NOW, margin);
    assert.ok(a?.kind === 'sync-stale' && a.lastSuccessRunId === null);
  });

  it('quarantine: alerts when the count reaches a new doubling within a day, not every minute', () => {
    const at = (count: number, now = NOW) => keys(snapshot({ quarantined: count }), now);
    assert.deepEqual(at(0), []);
    assert.deepEqual(at(1), ['quarantined:2026-11-10:1']);
    assert.deepEqual(at(3), ['quarantined:2026-11-10:2']);
    assert.deepEqual(at(7), at(4), 'no new key until the count doubles');
    assert.deepEqual(at(8), ['quarantined:2026-11-10:8']);
    assert.deepEqual(at(7, new Date('2026-11-11T00:05:00Z')), ['quarantined:2026-11-11:4'], 'once a day');
    assert.deepEqual([1, 2, 3, 4, 1000].map(quarantineBucket), [1, 2, 2, 4, 512]);
  });

  it("a tenant's alerts carry its id", () => {
    const alerts = dueAlerts(
      snapshot({ tenant: 'acme', quarantined: 2, finished: [run('r1', 'failed')] }),
      NOW,
      margin,
    );
    assert.equal(alerts.length, 2);
    for (const a of alerts) assert.equal(a.tenant, 'acme');
  });
});
