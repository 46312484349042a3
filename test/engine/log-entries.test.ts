// engine/log-entries.ts: the one builder of provisioning-log rows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidRowEntry, locationEntry, runEntry, userEntry } from '../../engine/log-entries';

describe('log entries', () => {
  it('a user entry fills every column, absent fields null', () => {
    assert.deepEqual(userEntry('r1', 42, 'create', 'created'), {
      run_id: 'r1',
      object_type: 'user',
      engage_id: 42,
      visitor_id: null,
      user_name: null,
      action: 'create',
      outcome: 'created',
      attributes: null,
      duration_ms: null,
      detail: null,
    });
  });

  it('a user entry carries the given fields, and always its own Engage id', () => {
    const e = userEntry('r1', 42, 'update', 'updated', {
      engage_id: 99,
      visitor_id: 'v-1',
      user_name: 'a@example.com',
      attributes: ['title'],
      duration_ms: 0,
      detail: { reason: 'x' },
    });
    assert.equal(e.engage_id, 42);
    assert.equal(e.visitor_id, 'v-1');
    assert.equal(e.user_name, 'a@example.com');
    assert.deepEqual(e.attributes, ['title']);
    assert.equal(e.duration_ms, 0, 'a zero duration is kept, not nulled');
    assert.deepEqual(e.detail, { reason: 'x' });
  });

  it('a location entry is about a location', () => {
    const e = locationEntry('r2', 7, 'report', 'orphaned', { visitor_id: 'loc-3' });
    assert.equal(e.object_type, 'location');
    assert.equal(e.engage_id, 7);
    assert.equal(e.visitor_id, 'loc-3');
    assert.equal(e.action, 'report');
    assert.equal(e.outcome, 'orphaned');
  });

  it('a run entry has no Engage id and carries its detail', () => {
    const e = runEntry('r3', 'deletions', 'rejected', { rejected: 4, by: 'ops' });
    assert.equal(e.object_type, 'run');
    assert.equal(e.engage_id, null);
    assert.equal(e.run_id, 'r3');
    assert.deepEqual(e.detail, { rejected: 4, by: 'ops' });
  });

  it('a malformed Engage row is a failed read, or a planned one in a dry run', () => {
    const real = invalidRowEntry('r4', 5, 'bad date', false);
    assert.equal(real.object_type, 'user');
    assert.equal(real.engage_id, 5);
    assert.equal(real.action, 'read');
    assert.equal(real.outcome, 'failed');
    assert.deepEqual(real.detail, { code: 'invalid_row', reason: 'malformed Engage row: bad date' });
    assert.equal(invalidRowEntry('r4', 5, 'bad date', true).outcome, 'planned');
  });
});
