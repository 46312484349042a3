// A sync database with a bit of everything the log page shows, at fixed times (so the page and its
// screenshot look the same on every run): runs of every outcome, a plan review and a deletion decision
// waiting, a quarantined user, log entries with steps and old → new values, a user name that is HTML,
// one that is a spreadsheet formula, and a tenant with state of its own.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Secret } from '../../config/secret';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { SecretBox } from '../../state/secret-box';
import { tenantSyncDb } from '../../state/tenant-state';
import { TenantRegistry } from '../../state/tenants';

export const RUNS = {
  initial: 'initial-sync-20261020-100000',
  completed: 'daily-sync-20261101-020000',
  failed: 'daily-sync-20261102-020000',
  stopped: 'daily-sync-20261103-020000',
  review: 'daily-sync-20261104-020000',
} as const;

export const XSS_NAME = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';
export const FORMULA_NAME = '=HYPERLINK("http://evil.example","click")';
/** Far enough ahead that the quarantine and the decision are still open whenever the tests run. */
const LATER = new Date('2099-01-01T00:00:00Z');

type Db = Kysely<SyncDatabase>;

async function run(db: Db, id: string, kind: string, status: string, at: string, reason: string | null) {
  const started = new Date(at);
  await db
    .insertInto('sync.runs')
    .values({
      id,
      kind,
      status,
      workflow_id: id,
      started_by: 'schedule',
      counts: JSON.stringify(status === 'completed' ? { created: 1, updated: 1 } : { failed: 1 }),
      reason,
      started_at: started,
      finished_at: status === 'awaiting-approval' ? null : new Date(started.getTime() + 300_000),
    })
    .execute();
}

interface Entry {
  run: string;
  at: string;
  engageId?: number;
  user?: string;
  object?: 'user' | 'location' | 'run';
  action: string;
  outcome: string;
  attributes?: string[];
  detail?: unknown;
}

async function entries(db: Db, list: Entry[]) {
  await db
    .insertInto('sync.log')
    .values(
      list.map((e) => ({
        run_id: e.run,
        object_type: e.object ?? 'user',
        engage_id: e.engageId ?? null,
        visitor_id: e.engageId ? `v-${e.engageId}` : null,
        user_name: e.user ?? null,
        action: e.action,
        outcome: e.outcome,
        attributes: e.attributes ?? null,
        detail: e.detail === undefined ? null : JSON.stringify(e.detail),
        duration_ms: 40,
        at: new Date(e.at),
      })),
    )
    .execute();
}

export async function seed(db: Db): Promise<void> {
  await run(db, RUNS.initial, 'initial', 'completed', '2026-10-20T10:00:00Z', null);
  await run(db, RUNS.completed, 'daily', 'completed', '2026-11-01T02:00:00Z', null);
  await run(db, RUNS.failed, 'daily', 'failed', '2026-11-02T02:00:00Z', 'Visitor refused the token (401)');
  await run(db, RUNS.stopped, 'daily', 'stopped', '2026-11-03T02:00:00Z', 'Visitor refused most writes');
  await run(db, RUNS.review, 'daily', 'awaiting-approval', '2026-11-04T02:00:00Z', null);
  await db
    .insertInto('sync.deletion_decisions')
    .values({
      reason: '120 deletions over the budget of 50',
      opened_at: new Date('2026-11-04T02:10:00Z'),
      expires_at: LATER,
    })
    .execute();
  await db
    .insertInto('sync.users')
    .values({
      engage_user_id: 5,
      visitor_user_id: 'v-5',
      user_name: 'quinn@example.com',
      attributes: '{}',
      owned_access_digest: 'd',
      fingerprint: 'f',
      updated_at: new Date('2026-11-03T02:00:00Z'),
    })
    .execute();
  await db
    .insertInto('sync.user_failures')
    .values([
      {
        engage_user_id: 5,
        codes: ['visitor_conflict'],
        detail: '{}',
        failure_count: 3,
        first_failed_at: new Date('2026-11-01T02:03:00Z'),
        last_failed_at: new Date('2026-11-03T02:03:00Z'),
        next_attempt_at: LATER,
        last_run_id: RUNS.stopped,
      },
      // Failing once, not quarantined: its back-off is over.
      {
        engage_user_id: 6,
        codes: ['missing_email'],
        detail: '{}',
        last_failed_at: new Date('2026-11-03T02:03:00Z'),
        next_attempt_at: new Date('2026-11-03T03:00:00Z'),
        last_run_id: RUNS.stopped,
      },
    ])
    .execute();
  await entries(db, [
    {
      run: RUNS.initial,
      at: '2026-10-20T10:01:00Z',
      engageId: 1,
      user: 'ann@example.com',
      action: 'create',
      outcome: 'created',
      attributes: ['userName', 'givenName'],
      detail: {
        steps: ['POST /Users → 201', { step: 'grant', location: 'Oslo', status: 204 }],
        changes: { givenName: { from: null, to: 'Ann' } },
      },
    },
    {
      run: RUNS.completed,
      at: '2026-11-01T02:01:00Z',
      engageId: 2,
      user: 'Bob@Example.com',
      action: 'update',
      outcome: 'updated',
      attributes: ['title'],
      detail: {
        steps: ['PATCH /Users/v-2 → 200'],
        changes: { title: { from: 'Engineer', to: 'Engineering manager' } },
      },
    },
    {
      run: RUNS.completed,
      at: '2026-11-01T02:01:30Z',
      engageId: 7,
      object: 'location',
      action: 'create',
      outcome: 'created',
    },
    {
      run: RUNS.failed,
      at: '2026-11-02T02:01:00Z',
      engageId: 3,
      user: XSS_NAME,
      action: 'create',
      outcome: 'failed',
      detail: {
        reason: 'Visitor answered 409',
        status: 409,
        scimType: 'uniqueness',
        code: 'visitor_conflict',
      },
    },
    {
      run: RUNS.stopped,
      at: '2026-11-03T02:01:00Z',
      engageId: 2,
      user: 'bob@example.com',
      action: 'update',
      outcome: 'failed',
      detail: { reason: 'timeout after 30s', warnings: [{ code: 'shortened', message: 'title shortened' }] },
    },
    {
      run: RUNS.stopped,
      at: '2026-11-03T02:02:00Z',
      engageId: 4,
      user: FORMULA_NAME,
      action: 'delete',
      outcome: 'deleted',
      // A shape no version writes: shown as it is, never a crash.
      detail: { changes: 'not a map', steps: 'one step', extra: { nested: [1, 2] } },
    },
  ]);
}

export const TENANT = {
  id: 'acme',
  name: 'Acme Europe',
  user: 'carol@acme.example',
  run: 'acme.daily-sync-1',
};

/** A tenant of the registry with one run and one entry in its own state. */
export async function seedTenant(db: Db): Promise<void> {
  const registry = new TenantRegistry(db, {
    box: new SecretBox([{ id: 'k1', key: new Secret(randomBytes(32)) }]),
  });
  await registry.add({
    id: TENANT.id,
    displayName: TENANT.name,
    engage: { kind: 'schema', schema: 'engage_acme' },
    visitor: { url: 'https://visitor.example/scim/v1', token: new Secret('t0ken-acme') },
  });
  const t = tenantSyncDb(db, TENANT.id);
  await run(t, TENANT.run, 'daily', 'completed', '2026-11-05T02:00:00Z', null);
  await entries(t, [
    {
      run: TENANT.run,
      at: '2026-11-05T02:01:00Z',
      engageId: 1,
      user: TENANT.user,
      action: 'create',
      outcome: 'created',
    },
  ]);
}

/** A fresh sync database, seeded; the caller drops it. */
export async function seededDatabase(name: string): Promise<TestDatabase<SyncDatabase>> {
  const t = await freshDatabase<SyncDatabase>(`web_${name}`, ['sync']);
  await seed(t.db);
  await seedTenant(t.db);
  return t;
}
