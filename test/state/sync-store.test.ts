// PgSyncStore as the engine sees it: the port, and nothing of the database showing through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncStore } from '../../engine/ports';
import { PgSyncStore } from '../../state/sync-store';
import { syncDatabase, userState } from './fixtures';

const { db, store } = syncDatabase('sync_store');

describe('PgSyncStore', () => {
  it('implements the port and keeps its database to itself', () => {
    const s: SyncStore = store();
    assert.equal('db' in s, false);
    assert.equal(Object.keys(s).length, 0, 'no public fields');
  });

  it('shares nothing but the database between instances (two workers)', async () => {
    const a = new PgSyncStore(db());
    const b = new PgSyncStore(db());
    await a.saveUser(userState(1), 'run-1', { planInput: 'p' });
    assert.equal((await b.usersByIds([1])).get(1)?.planInput, 'p');
    await b.saveUser(userState(1, { fingerprint: 'changed' }), 'run-2');
    assert.equal((await a.usersByIds([1])).get(1)?.fingerprint, 'changed');
  });
});
