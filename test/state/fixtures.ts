// A fresh migrated sync database per test file, and user states to save in it.
import { after, before } from 'node:test';
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import type { Role, SyncUserState } from '../../domain/types';
import { PgSyncStore } from '../../state/sync-store';

/** Registers before/after hooks: a fresh database with the sync schema, and a store on it. */
export function syncDatabase(name: string): { db: () => Kysely<SyncDatabase>; store: () => PgSyncStore } {
  let t: TestDatabase<SyncDatabase> | undefined;
  let store: PgSyncStore | undefined;
  before(async () => {
    t = await freshDatabase<SyncDatabase>(`state_${name}`, ['sync']);
    store = new PgSyncStore(t.db);
  });
  after(async () => {
    await t?.drop();
  });
  return { db: () => t!.db, store: () => store! };
}

export function userState(id: number, over: Partial<SyncUserState> = {}): SyncUserState {
  const userName = `user${id}@example.com`;
  return {
    engageUserId: id,
    visitorUserId: `v-${id}`,
    userName,
    attributes: {
      externalId: String(id),
      userName,
      email: userName,
      givenName: 'Ann',
      familyName: `Person ${id}`,
      sso: false,
    },
    ownedAccess: { 'loc-1': 'regular' as Role },
    fingerprint: `fp-${id}`,
    deprovisioned: false,
    ...over,
  };
}
