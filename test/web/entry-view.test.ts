// web/entry-view.ts: a log entry's detail as the page shows it, whatever shape it has.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRow } from '../../clients/runs';
import { entryView } from '../../web/entry-view';

const row = (detail: unknown): LogRow => ({
  id: '7',
  run_id: 'daily-1',
  object_type: 'user',
  engage_id: 3,
  visitor_id: 'v-3',
  user_name: 'ann@example.com',
  action: 'update',
  outcome: 'updated',
  attributes: ['title'],
  detail: detail as LogRow['detail'],
  duration_ms: 12,
  at: new Date('2026-11-01T02:00:00Z'),
});

describe('log entry view', () => {
  it('shows changes as attribute: old → new, steps in order, the rest as key and text', () => {
    const v = entryView(
      row({
        reason: 'title changed in Engage',
        changes: {
          title: { from: 'Engineer', to: 'Manager' },
          phone: { from: '123', to: null },
          tags: { to: ['a'] },
        },
        steps: ['PATCH 200', { step: 'grant', status: 204 }],
        warnings: [{ code: 'shortened', message: 'title shortened' }],
        code: 'x1',
        plan: 'digest-no-reader-needs',
      }),
    );
    assert.deepEqual(v.changes, [
      { attribute: 'title', from: 'Engineer', to: 'Manager' },
      { attribute: 'phone', from: '123', to: '(none)' },
      { attribute: 'tags', from: '(none)', to: '["a"]' },
    ]);
    assert.deepEqual(v.steps, ['PATCH 200', 'step: grant, status: 204']);
    assert.deepEqual(v.other, [
      { key: 'reason', value: 'title changed in Engage' },
      { key: 'warning', value: 'title shortened' },
      { key: 'code', value: 'x1' },
    ]);
    // The one-line summary is clients/log-table.ts detailText's (as `npm run log` prints it).
    assert.match(v.summary, /title changed in Engage — warning: title shortened$/);
    assert.doesNotMatch(v.summary, /Engineer|PATCH/);
    assert.equal(v.object, 'ann@example.com (3)');
    assert.equal(v.at, '2026-11-01T02:00:00.000Z');
  });

  it("lists changes in the order of the entry's attributes, whatever order jsonb gave the keys", () => {
    const v = entryView({
      ...row({ changes: { title: { from: 'a', to: 'b' }, userName: { from: 'x', to: 'y' }, zz: { to: 1 } } }),
      attributes: ['userName', 'title'],
    });
    assert.deepEqual(
      v.changes.map((c) => c.attribute),
      ['userName', 'title', 'zz'],
    );
  });

  it('never throws on a detail of another shape', () => {
    for (const detail of [
      null,
      [1, 2],
      'text',
      42,
      { changes: 'x', steps: 'y' },
      { changes: { a: 5 } },
      { warnings: 'w' },
    ]) {
      const v = entryView(row(detail));
      assert.equal(typeof v.summary, 'string');
      assert.ok(Array.isArray(v.changes) && Array.isArray(v.steps) && Array.isArray(v.other));
    }
    assert.deepEqual(entryView(row({ changes: { a: 5 } })).changes, [{ attribute: 'a', from: '?', to: '5' }]);
    assert.deepEqual(entryView(row([1, 2])).other, [{ key: 'detail', value: '[1,2]' }]);
    assert.deepEqual(entryView(row({ steps: 'one' })).steps, ['one']);
  });
});
