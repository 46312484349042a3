// The Engage SCIM API's probes and metrics, on its own port, against the real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localPostgresUrl } from '../../config/service';
import { createDb } from '../../db/connect';
import type { EngageDatabase } from '../../db/engage-schema';
import { routeTemplate } from '../../engage-scim/ops-endpoints';
import { recordChanges } from '../../engage-scim/outbox';
import { startEngageScimServer } from '../../engage-scim/server';
import { type ScimHarness, scimHarness, USER } from './support';

let h: ScimHarness;
const root = () => h.server.baseUrl.replace(/\/scim\/api\/V1$/, '');

before(async () => {
  h = await scimHarness('ops');
});
after(async () => {
  await h?.close();
});

describe('Engage SCIM API: probes and metrics', () => {
  it('names routes by template: ids and tenants never become series of their own', () => {
    assert.equal(routeTemplate('/scim/api/V1/Users/123'), '/scim/api/V1/users/{id}');
    assert.equal(routeTemplate('/scim/api/V1/Users'), '/scim/api/V1/users');
    assert.equal(routeTemplate('/t/acme/scim/api/V1/Groups/9/'), '/t/{tenant}/scim/api/V1/groups/{id}');
    assert.equal(routeTemplate('/scim/api/V1/anything-made-up/x'), '/scim/api/V1/other');
    assert.equal(routeTemplate('/api/v1/token'), '/token');
    assert.equal(routeTemplate('/wp-admin'), 'other');
  });

  it('/healthz and /readyz answer 200 without a token; other methods are refused with 405', async () => {
    const live = await fetch(`${root()}/healthz`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${root()}/readyz`);
    assert.equal(ready.status, 200);
    assert.match(await ready.text(), /engage database answers/);
    const post = await fetch(`${root()}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('/metrics counts requests by route template and status, and shows the outbox backlog', async () => {
    const created = await h.call('POST', '/Users', {
      schemas: [USER],
      userName: 'ops.metrics@example.com',
      emails: [{ value: 'ops.metrics@example.com', primary: true }],
      name: { givenName: 'Ops', familyName: 'Metrics' },
    });
    assert.equal(created.status, 201);
    assert.equal((await h.call('GET', '/Users/999999')).status, 404);
    await recordChanges(h.db.db, [424242], 'user_updated');
    const text = await (await fetch(`${root()}/metrics`)).text();
    assert.match(
      text,
      /^evs_engage_scim_requests_total\{method="POST",route="\/scim\/api\/V1\/users",status="201"\} 1$/m,
    );
    assert.match(
      text,
      /^evs_engage_scim_requests_total\{method="GET",route="\/scim\/api\/V1\/users\/\{id\}",status="404"\} 1$/m,
    );
    assert.doesNotMatch(text, /route="\/healthz"|route="\/metrics"/, 'probes and scrapes are not counted');
    // No publisher runs in this harness: both changes (the create's and the one recorded) wait.
    const backlog = Number(/^evs_engage_scim_outbox_backlog (\d+)$/m.exec(text)?.[1]);
    assert.ok(backlog >= 2, `backlog ${backlog}`);
    assert.match(text, /^evs_engage_scim_outbox_oldest_seconds \d+(\.\d+)?(e[-+]?\d+)?$/m);
  });

  it("/readyz answers 503 when the database does not answer, without the database's own words", async () => {
    const logged: string[] = [];
    const missing = createDb<EngageDatabase>({ url: localPostgresUrl('no_such_engage_db_x1') });
    const server = await startEngageScimServer({ db: missing, log: (m) => logged.push(m) });
    try {
      const base = server.baseUrl.replace(/\/scim\/api\/V1$/, '');
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 503);
      const body = await ready.text();
      assert.doesNotMatch(body, /no_such_engage_db_x1|evs/, body);
      assert.ok(
        logged.some((l) => /no_such_engage_db_x1/.test(l)),
        'the detail goes to the log',
      );
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /# outbox backlog unavailable/);
      assert.doesNotMatch(metrics, /no_such_engage_db_x1/);
    } finally {
      await server.close();
      await missing.destroy();
    }
  });
});
