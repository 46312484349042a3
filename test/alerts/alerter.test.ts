// The alerter against the real PostgreSQL and a real HTTP receiver: each event is sent once however
// many workers race, retried when the webhook fails for a while, given up when it refuses, taken over
// when the worker that claimed it died, and a tenant's alerts carry its id.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { type Alerter, type AlerterOptions, startAlerter } from '../../alerts/alerter';
import type { WebhookBody } from '../../alerts/message';
import { Secret } from '../../config/secret';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { SecretBox } from '../../state/secret-box';
import { PgSyncStore } from '../../state/sync-store';
import { tenantSyncDb } from '../../state/tenant-state';
import { TenantRegistry } from '../../state/tenants';
import { type Receiver, startReceiver } from './receiver';

const H = 3_600_000;

let t: TestDatabase<SyncDatabase>;
let receivers: Receiver[];
let alerters: Alerter[];
let logs: string[];
const db = () => t.db;

beforeEach(async () => {
  t = await freshDatabase<SyncDatabase>('alerts', ['sync']);
  receivers = [];
  alerters = [];
  logs = [];
});
afterEach(async () => {
  for (const a of alerters) await a.stop();
  for (const r of receivers) await r.close();
  await t.drop();
  // The webhook URL is a secret: whatever happened, no log line quotes it.
  for (const line of logs) assert.doesNotMatch(line, /secret-token|\/services\//, line);
});

async function receiver(statuses: number[] = [200]): Promise<Receiver> {
  const r = await startReceiver(statuses);
  receivers.push(r);
  return r;
}

function alerter(url: string, o: Partial<AlerterOptions> = {}): Alerter {
  const a = startAlerter({
    db: db(),
    config: {
      alerts: { webhookUrls: [url], checkIntervalMs: H, staleMarginMs: H },
      sync: { scheduleIntervalMs: 24 * H },
    },
    log: (m) => logs.push(m),
    ...o,
    tuning: { backoffMs: [5, 5], ...o.tuning },
  });
  alerters.push(a);
  return a;
}

async function run(
  id: string,
  status: string,
  o: { kind?: string; finishedAgoMs?: number | null; dryRun?: boolean; state?: Kysely<SyncDatabase> } = {},
) {
  const finishedAgo = o.finishedAgoMs === undefined ? 60_000 : o.finishedAgoMs;
  await (o.state ?? db())
    .insertInto('sync.runs')
    .values({
      id,
      kind: o.kind ?? 'daily',
      status,
      workflow_id: id,
      dry_run: o.dryRun ?? false,
      counts: '{}',
      reason: status === 'failed' ? 'Visitor answered 409 for ann@example.com' : null,
      started_at: new Date(Date.now() - (finishedAgo ?? 0) - 60_000),
      finished_at: finishedAgo === null ? null : new Date(Date.now() - finishedAgo),
    })
    .execute();
}

const evs = (r: Receiver) => (r.accepted as WebhookBody[]).map((b) => b.evs);
const rows = async () =>
  db().selectFrom('sync.alerts_sent').selectAll().orderBy('tenant').orderBy('key').execute();

describe('alerts: the alerter', () => {
  it('a failed run alerts once, even with two alerters racing; stopped runs and old ones do not', async () => {
    const r = await receiver();
    await run('daily-1', 'failed');
    await run('daily-2', 'stopped');
    await run('daily-0', 'failed', { finishedAgoMs: 2 * 24 * H });
    await run('daily-3', 'completed', { finishedAgoMs: H });
    const [a, b] = [alerter(r.url), alerter(r.url)];
    await Promise.all([a.checkNow(), b.checkNow()]);
    await Promise.all([a.checkNow(), b.checkNow()]);
    assert.deepEqual(
      evs(r).map((e) => [e.kind, e.key, e.tenant]),
      [['run-failed', 'run-failed:daily-1', null]],
    );
    const body = r.accepted[0] as WebhookBody;
    assert.match(
      body.text,
      /the configured company: the daily run daily-1 failed — npm run log -- --run daily-1$/,
    );
    assert.doesNotMatch(JSON.stringify(body), /ann@example\.com|409/, 'no PII from the run reason');
    const [row] = await rows();
    assert.equal(row?.status, 'sent');
    assert.ok(row?.sent_at instanceof Date);
    assert.equal(row?.attempts, 1);
  });

  it('a pending plan review and a pending deletion decision alert once each', async () => {
    const r = await receiver();
    await run('daily-7', 'awaiting-approval', { finishedAgoMs: null });
    const d = await db()
      .insertInto('sync.deletion_decisions')
      .values({ reason: '120 deletions over the budget of 50', expires_at: new Date(Date.now() + 24 * H) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const a = alerter(r.url);
    await a.checkNow();
    await a.checkNow();
    assert.deepEqual(
      evs(r).map((e) => e.key),
      ['awaiting:plan-review:daily-7', `awaiting:deletions:${d.id}`],
    );
    assert.match((r.accepted[0] as WebhookBody).text, /npm run sync -- approve daily-7 \(or reject\)$/);
  });

  it('a company whose sync has not succeeded for interval + margin alerts, once', async () => {
    const r = await receiver();
    await run('daily-3', 'completed', { finishedAgoMs: 26 * H });
    // A per-user run's success does not count as the company's sync.
    await run('user-1', 'completed', { kind: 'user', finishedAgoMs: 60_000 });
    const a = alerter(r.url);
    await a.checkNow();
    await a.checkNow();
    assert.deepEqual(
      evs(r).map((e) => [e.kind, e.key, e.lastSuccessRunId]),
      [['sync-stale', 'stale:daily-3:0', 'daily-3']],
    );
    assert.match((r.accepted[0] as WebhookBody).text, /npm run sync -- status$/);
  });

  it('a new install that never ran is not stale', async () => {
    const r = await receiver();
    await alerter(r.url).checkNow();
    assert.deepEqual(r.bodies, []);
  });

  it('quarantined users alert when their count rises, not on every check', async () => {
    const r = await receiver();
    const store = new PgSyncStore(db());
    for (const run of ['a', 'b', 'c']) await store.recordFailure(10, `run-${run}`, ['visitor_conflict'], {});
    const a = alerter(r.url);
    await a.checkNow();
    await a.checkNow();
    assert.deepEqual(
      evs(r).map((e) => e.count),
      [1],
    );
    for (const run of ['a', 'b', 'c']) await store.recordFailure(11, `run-${run}`, ['visitor_conflict'], {});
    await a.checkNow();
    await a.checkNow();
    assert.deepEqual(
      evs(r).map((e) => e.count),
      [1, 2],
    );
    assert.match((r.accepted[1] as WebhookBody).text, /2 users are quarantined/);
  });

  it('a webhook answering 500 then 200 gets the alert (retried)', async () => {
    const r = await receiver([500, 200]);
    await run('daily-1', 'failed');
    await alerter(r.url).checkNow();
    assert.equal(r.bodies.length, 2);
    assert.deepEqual(
      evs(r).map((e) => e.key),
      ['run-failed:daily-1'],
    );
    assert.equal((await rows())[0]?.status, 'sent');
  });

  it('a webhook answering 400 is not retried: the claim ends failed, logged once', async () => {
    const r = await receiver([400]);
    await run('daily-1', 'failed');
    const a = alerter(r.url, { tuning: { leaseMs: 0 } });
    await a.checkNow();
    await a.checkNow();
    assert.equal(r.bodies.length, 1);
    assert.equal((await rows())[0]?.status, 'failed');
    assert.equal(logs.filter((l) => /refused run-failed:daily-1/.test(l)).length, 1, logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('127.0.0.1') && l.includes('HTTP 400')));
  });

  it('a webhook that keeps failing is tried again after the lease, then given up', async () => {
    const r = await receiver([503]);
    await run('daily-1', 'failed');
    const a = alerter(r.url, { tuning: { leaseMs: 0, maxAttempts: 2 } });
    await a.checkNow();
    assert.equal((await rows())[0]?.status, 'claimed', 'left for another try');
    await a.checkNow();
    await a.checkNow();
    assert.equal(r.bodies.length, 6, 'two tries of three attempts each');
    const [row] = await rows();
    assert.equal(row?.status, 'failed');
    assert.equal(row?.attempts, 2);
    assert.ok(logs.some((l) => /gave up on run-failed:daily-1/.test(l)));
  });

  it('a claim whose worker died is sent after the lease; a fresh claim is left to its worker', async () => {
    const r = await receiver();
    await run('daily-1', 'failed');
    await run('daily-2', 'failed');
    await db()
      .insertInto('sync.alerts_sent')
      .values([
        { key: 'run-failed:daily-1', claimed_at: new Date(Date.now() - 10 * 60_000) },
        { key: 'run-failed:daily-2' },
      ])
      .execute();
    await alerter(r.url).checkNow();
    assert.deepEqual(
      evs(r).map((e) => e.key),
      ['run-failed:daily-1'],
    );
    assert.deepEqual(
      (await rows()).map((x) => [x.key, x.status, x.attempts]),
      [
        ['run-failed:daily-1', 'sent', 2],
        ['run-failed:daily-2', 'claimed', 1],
      ],
    );
  });

  it("a tenant's alerts carry its id; a paused tenant is not watched", async () => {
    const r = await receiver();
    const registry = new TenantRegistry(db(), {
      box: new SecretBox([{ id: 'k1', key: new Secret(randomBytes(32)) }]),
    });
    for (const id of ['acme', 'globex']) {
      await registry.add({
        id,
        displayName: id,
        engage: { kind: 'schema', schema: `engage_${id}` },
        visitor: { url: 'https://visitor.example/scim/v1', token: new Secret('token') },
      });
      await registry.resume(id);
      await run(`${id}-daily-1`, 'failed', { state: tenantSyncDb(db(), id) });
    }
    await registry.pause('globex');
    await run('daily-1', 'failed');
    await alerter(r.url, { registry }).checkNow();
    assert.deepEqual(
      evs(r).map((e) => [e.tenant, e.key]),
      [
        [null, 'run-failed:daily-1'],
        ['acme', 'run-failed:acme-daily-1'],
      ],
    );
    assert.match(
      (r.accepted[1] as WebhookBody).text,
      /^\[engage-visitor-sync\] tenant acme: .* --tenant acme$/,
    );
    const { rows: claimed } = await sql<{
      tenant: string;
    }>`SELECT tenant FROM sync.alerts_sent ORDER BY tenant`.execute(db());
    assert.deepEqual(
      claimed.map((c) => c.tenant),
      ['', 'acme'],
    );
  });

  it('checks on its own every ALERT_CHECK_INTERVAL, and stops', async () => {
    const r = await receiver();
    await run('daily-1', 'failed');
    const a = startAlerter({
      db: db(),
      config: {
        alerts: { webhookUrls: [r.url], checkIntervalMs: 50, staleMarginMs: H },
        sync: { scheduleIntervalMs: 24 * H },
      },
      log: (m) => logs.push(m),
    });
    alerters.push(a);
    const deadline = Date.now() + 5_000;
    while (r.accepted.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(
      evs(r).map((e) => e.key),
      ['run-failed:daily-1'],
    );
    await a.stop();
    await run('daily-2', 'failed');
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(r.bodies.length, 1, 'a stopped alerter sends nothing');
  });

  it('off without webhook URLs: nothing is read or sent', async () => {
    await run('daily-1', 'failed');
    const a = startAlerter({
      db: db(),
      config: {
        alerts: { webhookUrls: [], checkIntervalMs: H, staleMarginMs: H },
        sync: { scheduleIntervalMs: H },
      },
      log: (m) => logs.push(m),
    });
    await a.checkNow();
    await a.stop();
    assert.deepEqual(await rows(), []);
    assert.deepEqual(logs, []);
  });
});
