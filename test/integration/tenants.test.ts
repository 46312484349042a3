// Several companies on one deployment, over the real stack: one worker serves the configured company
// and the registry's tenants side by side — each run reads its own Engage source (a database of its
// own, or a schema of a shared one), writes its own Visitor company, keeps its own state schema, and
// passes its tenant to its children. A tenant that cannot run fails its own run at once and nobody
// else's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { sql } from 'kysely';
import { cliContext } from '../../clients/context';
import { dispatch, tenantContext } from '../../clients/dispatch';
import { logEntries } from '../../clients/runs';
import { SYNC_COMMANDS, SYNC_INTRO } from '../../clients/sync/commands';
import { Secret } from '../../config/secret';
import { parseSecretKeys } from '../../config/service';
import { EngagePools } from '../../db/engage-pools';
import type { EngageDatabase } from '../../db/engage-schema';
import { SchemaRenamePlugin } from '../../db/schema-rename-plugin';
import { startVisitorEmulator, type VisitorEmulator } from '../../dev/emulator/server';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import type { VisitorState } from '../../dev/harness/visitor-state';
import { createClient, issueToken } from '../../engage-scim/auth/tokens';
import { startPublisher } from '../../engage-scim/publisher';
import { startEngageScimServer } from '../../engage-scim/server';
import { TenantScimSources } from '../../engage-scim/tenant-sources';
import { SecretBox } from '../../state/secret-box';
import { TenantRegistry } from '../../state/tenants';
import { invitationsWorkflowId } from '../../workflows/ids';
import { RUN_KIND, RUN_STATUS, STARTED_BY, TENANT } from '../../workflows/search-attributes';
import type { SyncRunInput, SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const KEYS = `k1:${randomBytes(32).toString('base64')}`;

async function visitorUsers(e: VisitorEmulator): Promise<string[]> {
  const state = (await (await fetch(`${e.adminUrl}/state?format=compact`)).json()) as VisitorState;
  return state.users.map((u) => u.userName).sort();
}

describe('tenants on one deployment', () => {
  let h: SyncHarness;
  let acmeEngage: TestDatabase<EngageDatabase>;
  const emulators: Record<string, VisitorEmulator> = {};
  const handles: WorkflowHandle[] = [];

  before(async () => {
    h = await SyncHarness.create('tenants', { env: { TENANT_SECRETS_KEYS: KEYS } });
    acmeEngage = await freshDatabase<EngageDatabase>('tenants_acme_engage', ['engage']);
    for (const t of ['acme', 'gamma', 'broken'])
      emulators[t] = await startVisitorEmulator({ token: `token-${t}` });

    // acme: an Engage database of its own.
    await addLocations(acmeEngage.db, ['Acme HQ', 'Acme Lab']);
    await addUsers(
      acmeEngage.db,
      ['ann', 'bob', 'cid'].map((n) => ({ username: `${n}@acme.example` })),
    );
    // gamma: a schema of the shared Engage database (the configured company's own database), with
    // every table of Engage's.
    await sql`CREATE SCHEMA IF NOT EXISTS engage_gamma`.execute(h.engage.db);
    const tables = await sql<{ t: string }>`
      SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'engage' AND table_type = 'BASE TABLE'`.execute(
      h.engage.db,
    );
    // broken: an empty schema of its own (two tenants may not share an Engage source).
    await sql`CREATE SCHEMA IF NOT EXISTS engage_broken`.execute(h.engage.db);
    for (const { t } of tables.rows)
      for (const schema of ['engage_gamma', 'engage_broken'])
        await sql`CREATE TABLE ${sql.table(`${schema}.${t}`)} (LIKE ${sql.table(`engage.${t}`)} INCLUDING ALL)`.execute(
          h.engage.db,
        );
    const gammaDb = h.engage.db.withPlugin(new SchemaRenamePlugin('engage', 'engage_gamma'));
    await addLocations(gammaDb, ['Gamma Office']);
    await addUsers(
      gammaDb,
      ['dee', 'eve'].map((n) => ({ username: `${n}@gamma.example` })),
    );
    // The configured company has a user too: no tenant's run may touch it.
    await addLocations(h.engage.db, ['Single HQ']);
    await addUsers(h.engage.db, [{ username: 'zed@single.example' }]);

    const registry = new TenantRegistry(h.sync.db, {
      box: new SecretBox(parseSecretKeys(KEYS)),
    });
    await registry.add({
      id: 'acme',
      displayName: 'Acme',
      engage: { kind: 'database', url: new Secret(acmeEngage.url) },
      visitor: { url: emulators.acme!.baseUrl, token: new Secret('token-acme') },
      options: { invitations: { mode: 'delay', delayMs: 3_600_000 } },
    });
    await registry.add({
      id: 'gamma',
      displayName: 'Gamma',
      engage: { kind: 'schema', schema: 'engage_gamma' },
      visitor: { url: emulators.gamma!.baseUrl, token: new Secret('token-gamma') },
    });
    await registry.add({
      id: 'unreachable',
      displayName: 'Unreachable',
      // Nothing listens there: its Engage database is down.
      engage: { kind: 'database', url: new Secret('postgres://evs:evs@127.0.0.1:9/engage') },
      visitor: { url: emulators.broken!.baseUrl, token: new Secret('token-broken') },
    });
    await registry.add({
      id: 'broken',
      displayName: 'Broken',
      engage: { kind: 'schema', schema: 'engage_broken' },
      // Not the emulator's token: every request is refused.
      visitor: { url: emulators.broken!.baseUrl, token: new Secret('not-the-token') },
    });
    await h.startWorker();
  });

  after(async () => {
    for (const x of handles) await x.terminate('test over').catch(() => {});
    await h.close();
    await acmeEngage.drop();
    for (const e of Object.values(emulators)) await e.close();
  });

  const start = async (tenant: string | undefined, input: Partial<SyncRunInput> = {}) => {
    const workflowId = `${tenant ? `${tenant}.` : ''}initial-sync-${h.taskQueue}-${randomBytes(3).toString('hex')}`;
    const handle = await h.client.workflow.start('syncRunWorkflow', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ kind: 'initial', startedBy: 'test', ...input } satisfies SyncRunInput],
      typedSearchAttributes: [
        { key: RUN_KIND, value: 'initial' },
        { key: STARTED_BY, value: 'test' },
        ...(tenant ? [{ key: TENANT, value: tenant }] : []),
      ],
    });
    handles.push(handle);
    return handle;
  };

  it("runs each tenant's sync from its own Engage source into its own Visitor, while a broken tenant fails alone", async () => {
    const broken = await start('broken');
    const unreachable = await start('unreachable');
    const [acme, gamma] = await Promise.all([start('acme'), start('gamma')]);
    const [a, g] = (await Promise.all([acme.result(), gamma.result()])) as [SyncRunResult, SyncRunResult];
    assert.equal(a.status, 'completed', JSON.stringify(a));
    assert.equal(g.status, 'completed', JSON.stringify(g));
    assert.deepEqual(await visitorUsers(emulators.acme!), [
      'ann@acme.example',
      'bob@acme.example',
      'cid@acme.example',
    ]);
    assert.deepEqual(await visitorUsers(emulators.gamma!), ['dee@gamma.example', 'eve@gamma.example']);
    assert.deepEqual(await visitorUsers(h.emulator), [], "the configured company's Visitor is untouched");
    assert.deepEqual(await visitorUsers(emulators.broken!), []);
    // The broken tenant's run failed on its own: its Visitor refuses its token.
    const b = (await broken.result()) as SyncRunResult;
    assert.equal(b.status, 'failed', JSON.stringify(b));
    assert.match(b.reason ?? '', /401|token|auth/i);
    // The tenant whose Engage database is down is still retrying; the others finished meanwhile.
    assert.equal((await unreachable.describe()).status.name, 'RUNNING');

    // Each tenant's state is in its own schema; the configured company's has none of it.
    const count = async (schema: string) =>
      (
        await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${schema}.users`)}`.execute(
          h.sync.db,
        )
      ).rows[0]!.n;
    assert.equal(await count('sync_acme'), 3);
    assert.equal(await count('sync_gamma'), 2);
    assert.equal(await count('sync'), 0);
    const runs = await sql<{ id: string }>`select id from sync_acme.runs`.execute(h.sync.db);
    assert.deepEqual(
      runs.rows.map((r) => r.id),
      [acme.workflowId],
    );
  });

  it("passes the tenant to the run's children: acme's delayed invitations run as acme's", async () => {
    const acmeRuns = await sql<{ id: string }>`select id from sync_acme.runs`.execute(h.sync.db);
    const child = h.client.workflow.getHandle(invitationsWorkflowId(acmeRuns.rows[0]!.id));
    assert.match(child.workflowId, /^invitations-acme\./);
    const d = await child.describe();
    handles.push(child);
    assert.ok(d.typedSearchAttributes instanceof TypedSearchAttributes);
    assert.equal(d.typedSearchAttributes.get(TENANT), 'acme');
    // Its details say when the batch goes and what to type, for acme.
    const meta = await child.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(meta.currentDetails ?? '', /\*\*Held until\*\* /);
    assert.match(meta.currentDetails ?? '', /invitations release \S+ --tenant acme`/);
  });

  it("gives a tenant's activities and children its fairness key, so its backlog shares the queues", async () => {
    const acmeRuns = await sql<{ id: string }>`select id from sync_acme.runs`.execute(h.sync.db);
    const history = await h.client.workflow.getHandle(acmeRuns.rows[0]!.id).fetchHistory();
    const keys = (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      const c = e.startChildWorkflowExecutionInitiatedEventAttributes;
      if (a) return [`${a.activityType?.name}:${a.priority?.fairnessKey ?? ''}`];
      return c ? [`${c.workflowType?.name}:${c.priority?.fairnessKey ?? ''}`] : [];
    });
    assert.ok(
      keys.some((k) => k.startsWith('syncUserPage:')),
      keys.join(' '),
    );
    assert.deepEqual(
      keys.filter((k) => !k.endsWith(':acme')),
      [],
      'every task the run scheduled carries its tenant as the fairness key',
    );
  });

  it("a tenant's run that continues as new stays the tenant's in every execution", async () => {
    await addUsers(
      acmeEngage.db,
      Array.from({ length: 9 }, (_, i) => ({ username: `more${i}@acme.example` })),
    );
    const run = await start('acme', { kind: 'daily', pageSize: 2, historyBudget: 20 });
    const result = (await run.result()) as SyncRunResult;
    assert.equal(result.status, 'completed', result.reason);
    // Visibility is eventually consistent: read until the last execution shows as closed.
    let tenants: (string | undefined)[] = [];
    let statuses: string[] = [];
    for (let i = 0; i < 50; i++) {
      tenants = [];
      statuses = [];
      for await (const wf of h.client.workflow.list({ query: `WorkflowId = "${run.workflowId}"` })) {
        tenants.push(wf.typedSearchAttributes.get(TENANT));
        statuses.push(`${wf.status.name}:${wf.typedSearchAttributes.get(RUN_STATUS)}`);
      }
      if (statuses.length >= 2 && statuses.includes('COMPLETED:completed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(tenants.length >= 2, `continued as new ${tenants.length - 1} times`);
    assert.deepEqual(new Set(tenants), new Set(['acme']));
    // Each execution closed by continue-as-new says so; only the last says how the run ended.
    assert.deepEqual(
      statuses.sort(),
      [
        'COMPLETED:completed',
        ...Array.from({ length: statuses.length - 1 }, () => 'CONTINUED_AS_NEW:continued-as-new'),
      ].sort(),
    );
    assert.ok((await visitorUsers(emulators.acme!)).includes('more8@acme.example'));
  });

  it('fails the run of a tenant the registry does not know at once, naming it', async () => {
    const ghost = await start('ghost');
    await assert.rejects(ghost.result(), (err: Error) => {
      const text = `${err.message} ${String((err as { cause?: { message?: string; cause?: { message?: string } } }).cause?.message)} ${String((err as { cause?: { cause?: { message?: string } } }).cause?.cause?.message)}`;
      return /no tenant "ghost"/.test(text);
    });
  });

  it('the CLI works for one tenant: its log, its runs, its ids and search attribute (--tenant)', async () => {
    const ctx = cliContext(h.config);
    try {
      const acmeCtx = await tenantContext(ctx, 'acme');
      const acmeRun = (await sql<{ id: string }>`select id from sync_acme.runs`.execute(h.sync.db)).rows[0]!
        .id;
      const entries = await logEntries(acmeCtx.db(), { runId: acmeRun, limit: 100 });
      const users = entries.map((e) => e.user_name).filter((u): u is string => Boolean(u));
      assert.ok(users.length >= 3 && users.every((u) => u.endsWith('@acme.example')), users.join(','));
      assert.deepEqual(
        await logEntries(ctx.db(), { runId: acmeRun, limit: 100 }),
        [],
        "not in the configured company's log",
      );
      await assert.rejects(tenantContext(ctx, 'ghost'), /no tenant "ghost"/);

      // `sync initial --dry-run --detach --tenant gamma`, as typed.
      const code = await dispatch(
        'sync',
        SYNC_INTRO,
        SYNC_COMMANDS,
        ['initial', '--dry-run', '--detach', '--tenant', 'gamma'],
        () => ctx,
      );
      assert.equal(code, 0);
      const started = (
        await sql<{
          id: string;
          workflow_id: string;
        }>`select id, workflow_id from sync_gamma.runs where dry_run order by started_at desc limit 1`.execute(
          h.sync.db,
        )
      ).rows;
      let id = started[0]?.workflow_id;
      for (let i = 0; !id && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        id = (
          await sql<{ workflow_id: string }>`select workflow_id from sync_gamma.runs where dry_run`.execute(
            h.sync.db,
          )
        ).rows[0]?.workflow_id;
      }
      assert.match(id ?? '', /^gamma\.initial-sync-/);
      const handle = h.client.workflow.getHandle(id!);
      handles.push(handle);
      assert.equal(((await handle.result()) as SyncRunResult).status, 'completed');
      assert.equal((await handle.describe()).typedSearchAttributes.get(TENANT), 'gamma');

      // What the UI shows of it: a summary of what it is, details of where it got, its pages' ranges.
      const d = await handle.describe();
      assert.match(
        (await d.staticSummary()) ?? '',
        /^Initial sync \(dry run\) · company gamma · invitations: .+ · started by \S+/,
      );
      const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.match(meta.currentDetails ?? '', /^\*\*Outcome:\*\* completed\n/);
      assert.match(meta.currentDetails ?? '', /\*\*Phase:\*\* finished \(dry run/);
      assert.match(meta.currentDetails ?? '', /\*\*Pages:\*\* 1 of 1 done/);
      const pageSummaries = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
        const data = e.userMetadata?.summary?.data;
        return e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncUserPage' && data
          ? [JSON.parse(Buffer.from(data).toString('utf8'))]
          : [];
      });
      assert.deepEqual(pageSummaries, ['Engage users: all']);
    } finally {
      await ctx.close();
    }
  });

  it("serves each tenant's Engage SCIM API at its own base URL: its tokens only there, its changes into its Visitor in seconds", async () => {
    const registry = new TenantRegistry(h.sync.db, { box: new SecretBox(parseSecretKeys(KEYS)) });
    const pools = new EngagePools({ poolSize: 2, maxOpen: 4, idleCloseMs: 60_000 });
    const sources = new TenantScimSources({
      registry,
      sharedEngage: h.engage.db,
      pools,
      startPublisher: (tenantId, db) =>
        startPublisher({
          db,
          temporalClient: h.client,
          taskQueue: h.taskQueue,
          tenantId,
          intervalMs: 50,
          log: () => {},
        }),
    });
    const server = await startEngageScimServer({
      db: h.engage.db,
      tenants: (id) => sources.get(id),
      rateLimit: false,
      tokenRateLimit: false,
      log: () => {},
    });
    const origin = server.baseUrl.slice(0, -'/scim/api/V1'.length);
    const acmeBase = `${origin}/t/acme/scim/api/V1`;
    const gammaBase = `${origin}/t/gamma/scim/api/V1`;
    try {
      const acmeClient = await createClient(acmeEngage.db, 'okta-acme');
      const acmeToken = (await issueToken(acmeEngage.db, acmeClient.clientId, acmeClient.clientSecret, 3600))!
        .accessToken;
      const call = (base: string, method: string, p: string, token: string, body?: unknown) =>
        fetch(`${base}${p}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });

      // Created on acme's URL: in acme's Engage, then in acme's Visitor through acme.provision-user-<id>.
      const created = await call(acmeBase, 'POST', '/Users', acmeToken, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'fay@acme.example',
        name: { givenName: 'Fay', familyName: 'Acme' },
        emails: [{ value: 'fay@acme.example', primary: true }],
        active: true,
      });
      assert.equal(created.status, 201, await created.clone().text());
      const user = (await created.json()) as { id: string; meta: { location: string } };
      assert.ok(user.meta.location.startsWith(`${acmeBase}/Users/`), user.meta.location);
      for (let i = 0; i < 200 && !(await visitorUsers(emulators.acme!)).includes('fay@acme.example'); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.ok((await visitorUsers(emulators.acme!)).includes('fay@acme.example'), 'in acme’s Visitor');
      assert.ok(!(await visitorUsers(emulators.gamma!)).includes('fay@acme.example'));
      const wf = h.client.workflow.getHandle(`acme.provision-user-${user.id}`);
      handles.push(wf);
      assert.equal((await wf.describe()).typedSearchAttributes.get(TENANT), 'acme');
      const inSingle = await h.engage.db
        .selectFrom('engage.users')
        .select('id')
        .where('username', '=', 'fay@acme.example')
        .execute();
      assert.deepEqual(inSingle, [], "not in the configured company's Engage");

      // acme's token is nobody else's: every route of gamma's and the configured company's URL refuses it.
      for (const base of [gammaBase, server.baseUrl])
        for (const [method, p, body] of [
          ['GET', '/Users', undefined],
          ['GET', `/Users/${user.id}`, undefined],
          [
            'POST',
            '/Users',
            { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x@y.example' },
          ],
          [
            'PUT',
            `/Users/${user.id}`,
            { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x@y.example' },
          ],
          [
            'PATCH',
            `/Users/${user.id}`,
            { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] },
          ],
          ['DELETE', `/Users/${user.id}`, undefined],
          ['GET', '/Groups', undefined],
          [
            'POST',
            '/Bulk',
            { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] },
          ],
          ['GET', '/ServiceProviderConfig', undefined],
        ] as const) {
          const r = await call(base, method, p, acmeToken, body);
          assert.equal(r.status, 401, `${method} ${base}${p} answered ${r.status}`);
        }
      // Its client's secret gets no token from another tenant's token endpoint.
      const tokenAt = (base: string) =>
        fetch(`${base}/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            scimClientId: acmeClient.clientId,
            scimClientSecret: acmeClient.clientSecret,
            grantType: 'password',
          }),
        });
      assert.equal((await tokenAt(acmeBase)).status, 200);
      assert.equal(
        (await tokenAt(gammaBase)).status,
        401,
        "another tenant's token endpoint refuses its client",
      );
      // A tenant that is not served is not found; nor is a paused one (at the registry's next check).
      assert.equal((await call(`${origin}/t/ghost/scim/api/V1`, 'GET', '/Users', acmeToken)).status, 404);
      await registry.pause('gamma', 'test');
      try {
        const pausedSources = new TenantScimSources({
          registry,
          sharedEngage: h.engage.db,
          pools,
          startPublisher: (tenantId, db) =>
            startPublisher({ db, temporalClient: h.client, taskQueue: h.taskQueue, tenantId, log: () => {} }),
        });
        assert.equal(await pausedSources.get('gamma'), undefined);
        await pausedSources.close();
      } finally {
        await registry.resume('gamma');
      }
    } finally {
      await server.close();
      await sources.close();
      await pools.close();
    }
  });

  it("npm run engage-scim -- client create --tenant: the client is the tenant's, in its own Engage source", () => {
    const env = {
      ...process.env,
      DATABASE_URL: h.sync.url,
      ENGAGE_DATABASE_URL: h.engage.url,
      TENANT_SECRETS_KEYS: KEYS,
    };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'engage-scim/cli.ts', ...args], {
        env,
        encoding: 'utf8',
      });
    const acme = cli('client', 'create', 'idp-acme', '--tenant', 'acme');
    assert.equal(acme.status, 0, acme.stderr);
    const gamma = cli('client', 'create', 'idp-gamma', '--tenant', 'gamma');
    assert.equal(gamma.status, 0, gamma.stderr);
    const bad = cli('client', 'list', '--tenant', 'Not A Tenant');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--tenant: tenant id must be/);
    return (async () => {
      const names = async (q: Promise<{ name: string }[]>) => (await q).map((r) => r.name).sort();
      assert.ok(
        (await names(acmeEngage.db.selectFrom('engage.scim_clients').select('name').execute())).includes(
          'idp-acme',
        ),
      );
      const gammaDb = h.engage.db.withPlugin(new SchemaRenamePlugin('engage', 'engage_gamma'));
      assert.ok(
        (await names(gammaDb.selectFrom('engage.scim_clients').select('name').execute())).includes(
          'idp-gamma',
        ),
      );
      const single = await names(h.engage.db.selectFrom('engage.scim_clients').select('name').execute());
      assert.ok(!single.includes('idp-acme') && !single.includes('idp-gamma'), single.join(','));
    })();
  });

  it('sync user with an id Engage does not have and the sync never provisioned is an error, not "skipped"', async () => {
    const ctx = cliContext(h.config);
    try {
      await assert.rejects(
        dispatch('sync', SYNC_INTRO, SYNC_COMMANDS, ['user', '987654', '--tenant', 'acme'], () => ctx),
        /no Engage user 987654: Engage has no such id and the sync never provisioned one/,
      );
    } finally {
      await ctx.close();
    }
  });

  it('still runs the configured company without a tenant', async () => {
    const single = await start(undefined);
    assert.equal(((await single.result()) as SyncRunResult).status, 'completed');
    const scheduled = ((await single.fetchHistory()).events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : [],
    );
    assert.ok(scheduled.length > 0);
    assert.deepEqual(
      scheduled.filter((a) => a.priority?.fairnessKey),
      [],
      "the configured company's tasks keep the default fairness key",
    );
    assert.deepEqual(await visitorUsers(h.emulator), ['zed@single.example']);
  });
});
