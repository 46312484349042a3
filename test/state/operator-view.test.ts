// The operator's glance at one company's state, against the real PostgreSQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  awaitingDecisions,
  failingUsersByCode,
  lastSuccesses,
  quarantinedCount,
  quarantinedUsers,
  runsFinishedSince,
} from '../../state/operator-view';
import { syncDatabase } from './fixtures';

const { db, store } = syncDatabase('operator_view');

async function run(id: string, kind: string, status: string, finishedAt: string | null, dryRun = false) {
  await db()
    .insertInto('sync.runs')
    .values({
      id,
      kind,
      status,
      workflow_id: `wf-${id}`,
      dry_run: dryRun,
      counts: '{}',
      reason: status === 'failed' ? 'Visitor refused the token' : null,
      finished_at: finishedAt ? new Date(finishedAt) : null,
    })
    .execute();
}

describe('operator view', () => {
  it('finds the newest completed run of each kind, never a dry run or a failed one', async () => {
    await run('d1', 'daily', 'completed', '2026-11-01T02:00:00Z');
    await run('d2', 'daily', 'completed', '2026-11-02T02:00:00Z');
    await run('d3', 'daily', 'failed', '2026-11-03T02:00:00Z');
    await run('d4', 'daily', 'completed', '2026-11-04T02:00:00Z', true);
    await run('i1', 'initial', 'completed', '2026-10-01T02:00:00Z');
    const last = await lastSuccesses(db());
    assert.deepEqual(
      last.map((l) => [l.kind, l.runId, l.finishedAt.toISOString()]),
      [
        ['daily', 'd2', '2026-11-02T02:00:00.000Z'],
        ['initial', 'i1', '2026-10-01T02:00:00.000Z'],
      ],
    );
  });

  it('lists runs awaiting a plan review and pending deletion decisions, oldest first', async () => {
    await run('r1', 'daily', 'awaiting-approval', null);
    await db()
      .insertInto('sync.deletion_decisions')
      .values({ reason: '120 deletions over the budget of 50', expires_at: new Date(Date.now() + 3_600_000) })
      .execute();
    await db()
      .insertInto('sync.deletion_decisions')
      .values({ status: 'approved', reason: 'old', expires_at: new Date() })
      .execute();
    const waiting = await awaitingDecisions(db());
    assert.deepEqual(
      waiting.map((w) => [w.type, w.reason]),
      [
        ['plan-review', null],
        ['deletions', '120 deletions over the budget of 50'],
      ],
    );
    assert.equal(waiting[0]!.workflowId, 'wf-r1');
    assert.ok(waiting[1]!.expiresAt instanceof Date);
  });

  it('counts quarantined users (three consecutive failing runs) and failing users by code', async () => {
    for (const r of ['a', 'b', 'c']) await store().recordFailure(10, `run-${r}`, ['visitor_conflict'], {});
    for (const r of ['a', 'b']) await store().recordFailure(11, `run-${r}`, ['missing_email'], {});
    await store().recordFailure(12, 'run-a', ['missing_email', 'visitor_4xx'], {});
    assert.equal(await quarantinedCount(db()), 1);
    const q = await quarantinedUsers(db());
    assert.deepEqual(
      q.map((u) => [u.engageUserId, u.failureCount, u.codes]),
      [[10, 3, ['visitor_conflict']]],
    );
    assert.ok(q[0]!.nextAttemptAt.getTime() > Date.now(), 'quarantined users back off');
    const byCode = await failingUsersByCode(db());
    assert.deepEqual(Object.fromEntries(byCode), { visitor_conflict: 1, missing_email: 2, visitor_4xx: 1 });
  });

  it('lists runs that ended after a time, oldest first', async () => {
    const since = new Date('2026-11-02T12:00:00Z');
    const ended = await runsFinishedSince(db(), since);
    assert.deepEqual(
      ended.map((r) => [r.id, r.status, r.dryRun]),
      [
        ['d3', 'failed', false],
        ['d4', 'completed', true],
      ],
    );
    assert.equal(ended[0]!.reason, 'Visitor refused the token');
  });

  it('finds a failed run among many per-user runs: the status is filtered before the limit', async () => {
    const since = new Date('2026-11-20T00:00:00Z');
    await db()
      .insertInto('sync.runs')
      .values([
        {
          id: 'late-failure',
          kind: 'daily',
          status: 'failed',
          workflow_id: 'x',
          counts: '{}',
          finished_at: new Date('2026-11-21T12:00:00Z'),
        },
        ...Array.from({ length: 30 }, (_, i) => ({
          id: `u${i}`,
          kind: 'user',
          status: 'completed',
          workflow_id: `provision-user-${i}`,
          counts: '{}',
          finished_at: new Date(Date.UTC(2026, 10, 21, 0, i)),
        })),
      ])
      .execute();
    assert.deepEqual(
      (await runsFinishedSince(db(), since, { limit: 10 })).map((r) => r.id).includes('late-failure'),
      false,
    );
    assert.deepEqual(
      (await runsFinishedSince(db(), since, { status: 'failed', limit: 10 })).map((r) => r.id),
      ['late-failure'],
    );
  });
});
