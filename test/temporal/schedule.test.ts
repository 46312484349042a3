// The daily schedule against the real Temporal dev server: created once, re-applied idempotently,
// paused and resumed, deleted. Each run uses its own schedule id so parallel runs never collide.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { loadConfig } from '../../config/service';
import { scheduleJitterMs } from '../../state/tenant-rules';
import { connectClient } from '../../temporal/connection';
import {
  deleteSchedule,
  describeSchedule,
  ensureSchedule,
  pauseSchedule,
  resumeSchedule,
  scheduleId,
  tenantScheduleSpec,
} from '../../temporal/schedule';
import { RUN_KIND, STARTED_BY, TENANT } from '../../workflows/search-attributes';
import { TEST_NAMESPACE, temporalAddress, uniqueTaskQueue } from '../support/temporal';

test('ensureSchedule creates, then updates in place; pause, resume and delete work', async () => {
  const config = loadConfig({
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('schedule'),
    SYNC_SCHEDULE_INTERVAL: '24h',
  });
  const client = await connectClient(config);
  const id = `test-schedule-${randomBytes(4).toString('hex')}`;
  assert.equal(scheduleId({ scheduleId: id }), id);
  assert.equal(scheduleId(), 'engage-visitor-sync-daily');
  try {
    // Created paused so the test never starts a real run.
    const first = await ensureSchedule(client, config, { scheduleId: id, paused: true, note: 'test' });
    assert.deepEqual(first, { scheduleId: id, result: 'created' });
    let d = await describeSchedule(client, id);
    assert.ok(d);
    assert.deepEqual(
      d.spec.intervals?.map((i) => i.every),
      [86_400_000],
    );
    assert.equal(d.policies.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(d.policies.catchupWindow, 86_400_000);
    assert.equal(d.policies.pauseOnFailure, false);
    assert.equal(d.state.paused, true);
    assert.equal(d.state.note, 'test');
    assert.equal(d.action.type, 'startWorkflow');
    assert.equal(d.action.workflowType, 'syncRunWorkflow');
    assert.equal(d.action.workflowId, 'daily-sync');
    assert.equal(d.action.taskQueue, config.temporal.taskQueue);
    assert.deepEqual(d.action.args, [{ kind: 'daily', startedBy: 'schedule' }]);
    const attrs = d.action.typedSearchAttributes;
    assert.ok(attrs instanceof TypedSearchAttributes, 'the action carries typed search attributes');
    assert.equal(attrs.get(RUN_KIND), 'daily');
    assert.equal(attrs.get(STARTED_BY), 'schedule');

    // Again, with another interval: no error, the existing schedule now has the new spec and stays paused.
    const second = await ensureSchedule(client, config, { scheduleId: id, intervalMs: 12 * 3_600_000 });
    assert.deepEqual(second, { scheduleId: id, result: 'updated' });
    d = await describeSchedule(client, id);
    assert.deepEqual(
      d?.spec.intervals?.map((i) => i.every),
      [12 * 3_600_000],
    );
    assert.equal(d?.state.paused, true, 'an update does not resume a paused schedule');
    assert.equal(d?.info.numActionsTaken, 0);

    await resumeSchedule(client, id, 'resumed by test');
    d = await describeSchedule(client, id);
    assert.equal(d?.state.paused, false);
    assert.equal(d?.state.note, 'resumed by test');
    assert.ok((d?.info.nextActionTimes.length ?? 0) > 0, 'an active schedule has next action times');

    await pauseSchedule(client, id, 'paused by test');
    d = await describeSchedule(client, id);
    assert.equal(d?.state.paused, true);
    assert.equal(d?.state.note, 'paused by test');

    await deleteSchedule(client, id);
    assert.equal(await describeSchedule(client, id), undefined);
  } finally {
    await deleteSchedule(client, id).catch(() => {});
    await client.connection.close();
  }
});

test("a tenant's schedule: its own id, its time of day in its zone plus its spread, its runs carry EvsTenant", async () => {
  const config = loadConfig({
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('schedule-tenant'),
  });
  const client = await connectClient(config);
  const tenantId = `acme-${randomBytes(3).toString('hex')}`;
  const jitterMs = scheduleJitterMs(tenantId, 86_400_000);
  const tenant = {
    id: tenantId,
    schedule: { time: '02:00', timeZone: 'Europe/Paris', intervalMs: 86_400_000, jitterMs },
  };
  const id = scheduleId({ tenant });
  assert.equal(id, `${tenantId}.engage-visitor-sync-daily`);
  try {
    // Active (not paused) so Temporal computes the next times; the first is tomorrow at the earliest.
    await ensureSchedule(client, config, { tenant });
    const d = await describeSchedule(client, id);
    assert.ok(d);
    assert.equal(d.spec.timezone, 'Europe/Paris');
    assert.equal(d.action.type === 'startWorkflow' && d.action.workflowId, `${tenantId}.daily-sync`);
    const attrs = d.action.type === 'startWorkflow' ? d.action.typedSearchAttributes : undefined;
    assert.ok(attrs instanceof TypedSearchAttributes);
    assert.equal(attrs.get(TENANT), tenantId);
    // Its runs' own tasks carry the tenant's fairness key, and the UI shows what the run is.
    assert.equal(d.action.type === 'startWorkflow' && d.action.priority?.fairnessKey, tenantId);
    assert.equal(
      d.action.type === 'startWorkflow' && d.action.staticSummary,
      `Daily sync · company ${tenantId} · started by schedule`,
    );
    const next = d.info.nextActionTimes.slice(0, 3);
    assert.equal(next.length, 3);
    // Each next run at 02:00 Paris time plus the tenant's spread, 24 h apart (no DST change in 3 days
    // is assumed away: the check is on Paris wall-clock time, which DST keeps).
    const paris = (t: Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }).format(t);
    const expected = new Date(Date.UTC(2000, 0, 1, 2, 0, 0) + jitterMs).toISOString().slice(11, 19);
    for (const t of next) assert.equal(paris(t), expected);
  } finally {
    await deleteSchedule(client, id).catch(() => {});
    await client.connection.close();
  }
});

test('tenantScheduleSpec: the spread wraps past midnight; another interval counts from the epoch', () => {
  assert.deepEqual(
    tenantScheduleSpec({
      time: '23:50',
      timeZone: 'Asia/Tokyo',
      intervalMs: 86_400_000,
      jitterMs: 1_800_000,
    }),
    { calendars: [{ hour: 0, minute: 20, second: 0 }], timezone: 'Asia/Tokyo' },
  );
  assert.deepEqual(
    tenantScheduleSpec({ time: '02:00', timeZone: 'UTC', intervalMs: 6 * 3_600_000, jitterMs: 61_000 }),
    { intervals: [{ every: 6 * 3_600_000, offset: 2 * 3_600_000 + 61_000 }] },
  );
});
