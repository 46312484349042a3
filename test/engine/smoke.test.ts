// The engine over fakes, end to end: locations, one page of an initial sync, then a daily page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcileLocations } from '../../engine/reconcile-locations';
import { reconcilePage } from '../../engine/reconcile-page';
import { engageLocation, engageUser, fakeWorld, RecordingProgress } from './fakes';

const page = (runId: string) => ({
  runId,
  kind: 'initial' as const,
  afterId: null,
  upToId: null,
  dryRun: false,
  full: false,
  invitations: { mode: 'send' as const },
  defaultLocationId: 'loc-default',
});

describe('engine over fakes', () => {
  it('creates locations and users, then passes unchanged users over on the next run', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2));
    w.engage.add(engageUser(10), engageUser(11), engageUser(12));
    const loc = await reconcileLocations(w.engine, { runId: 'r1', dryRun: false });
    assert.equal(loc.counts.created, 2);
    const progress = new RecordingProgress();
    const first = await reconcilePage(w.engine, page('r1'), { progress, attempt: 1 });
    assert.deepEqual(first.counts, { created: 3, invited: 3 });
    assert.equal(w.visitor.users.size, 3);
    assert.equal(w.store.users.size, 3);
    const second = await reconcilePage(w.engine, { ...page('r2'), kind: 'daily' }, { progress, attempt: 1 });
    assert.deepEqual(second.counts, { unchanged: 3 });
    assert.equal(w.visitor.count('createUser'), 3);
  });
});
