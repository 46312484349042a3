// The provisioning log: entries written as given, in one statement; an empty batch writes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEntry } from '../../engine/ports';
import { runLogEntry } from '../engine/builders';
import { syncDatabase } from './fixtures';

const { db, store } = syncDatabase('log');

const entry = (over: Partial<LogEntry> = {}): LogEntry => ({
  run_id: 'run-1',
  object_type: 'user',
  engage_id: 7,
  visitor_id: 'v-7',
  user_name: 'ann@example.com',
  action: 'update',
  outcome: 'updated',
  attributes: ['title', 'workPhone'],
  duration_ms: 42,
  ...over,
});

/** Every row written, in order, without the id and time the database gives it. */
const rows = async () =>
  (await db().selectFrom('sync.log').selectAll().orderBy('id').execute()).map(
    ({ id: _id, at: _at, ...r }) => r,
  );

describe('the provisioning log', () => {
  it('writes nothing for an empty batch', async () => {
    await store().log([]);
    assert.deepEqual(await rows(), []);
  });

  it('writes each entry as given; detail left out or null is null', async () => {
    await store().log([
      entry(),
      entry({ engage_id: 8, detail: { reason: 'x', n: 2 } }),
      runLogEntry('run-1', 'deletions', 'rejected', null),
    ]);
    const got = await rows();
    assert.equal(got.length, 3);
    assert.deepEqual(got[0], { ...entry(), detail: null });
    assert.deepEqual(got[1]!.detail, { reason: 'x', n: 2 });
    assert.deepEqual(got[2], runLogEntry('run-1', 'deletions', 'rejected', null));
    const at = await db().selectFrom('sync.log').select(['id', 'at']).execute();
    assert.ok(at.every((r) => r.at instanceof Date && r.id !== null));
  });
});
