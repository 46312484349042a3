// `npm run demo`: the whole product on the embedded defaults. Brings the local stack up (Temporal
// dev server, PostgreSQL, Visitor emulator, a background worker), seeds a demo company in Engage,
// onboards it as an operator would (a dry run, the proposed location matches confirmed, the reviewed
// plan applied) with a progress display, creates the daily schedule, applies a day of churn,
// triggers one scheduled run, onboards a second company (a tenant) beside it, and prints a summary
// and where to look.
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { cliContext } from '../clients/context';
import { countsSummary, formatDuration } from '../clients/format';
import { locationsAcceptCommand, locationsListCommand } from '../clients/sync/locations';
import { planCommand } from '../clients/sync/plan';
import { watchRun } from '../clients/watch';
import { loadConfigOrExit } from '../config/service';
import { createDb } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import { createClient } from '../engage-scim/auth/tokens';
import { VisitorScimClient } from '../scim/client';
import { describeSchedule, ensureSchedule, triggerSchedule } from '../temporal/schedule';
import { DRY_RUN, RUN_KIND, RUN_STATUS, STARTED_BY } from '../workflows/search-attributes';
import type { SyncRunInput, SyncRunResult } from '../workflows/types';
import { demoSecondCompany } from './demo-tenant';
import { applyChurn } from './engage-generator/churn';
import { seedCompany } from './engage-generator/seed';
import { ENGAGE_SCIM_PORT } from './stack/engage-scim';
import { up } from './stack/up';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '3000' },
    locations: { type: 'string', default: '12' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'Usage: npm run demo [-- --users N --locations M]\n\nRuns the whole product end to end on the local stack (see README).',
  );
  process.exit(0);
}
const users = Number(values.users);
const locations = Number(values.locations);
if (!Number.isInteger(users) || users < 1 || users > 200_000) {
  console.error('--users must be a whole number from 1 to 200000');
  process.exit(2);
}
if (!Number.isInteger(locations) || locations < 1 || locations > 1000) {
  console.error('--locations must be a whole number from 1 to 1000');
  process.exit(2);
}

const config = loadConfigOrExit();

/** Creates a user through the Engage SCIM API and times its arrival in Visitor, then deactivates it. */
async function newHireThroughScim(db: Kysely<EngageDatabase>) {
  const scimBase = `http://127.0.0.1:${ENGAGE_SCIM_PORT}/scim/api/V1`;
  const { clientId, clientSecret } = await createClient(db, `demo-${Date.now()}`);
  const tokenRes = await fetch(`${scimBase}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      scimClientId: clientId,
      scimClientSecret: clientSecret,
      grantType: 'password',
      tokenExpiry: '600',
    }),
  });
  const { accessToken } = (await tokenRes.json()) as { accessToken: string };
  const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/scim+json' };
  const userName = `new.hire.${Date.now()}@meridian-group.example`;
  const visitor = new VisitorScimClient({ baseUrl: config.visitor.url, token: config.visitor.token });
  const until = async (check: () => Promise<boolean>) => {
    const t0 = Date.now();
    while (!(await check())) {
      if (Date.now() - t0 > 60_000)
        throw new Error('the change did not reach Visitor within 60 s — is the worker running?');
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - t0;
  };
  try {
    const created = await fetch(`${scimBase}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        name: { givenName: 'Noor', familyName: 'Haddad' },
        emails: [{ value: userName, type: 'work', primary: true }],
        active: true,
      }),
    });
    if (created.status !== 201)
      throw new Error(`Engage SCIM create answered ${created.status}: ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    const createdMs = await until(async () => (await visitor.findUserByUserName(userName)) !== null);
    await fetch(`${scimBase}/Users/${id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      }),
    });
    const removedMs = await until(async () => (await visitor.findUserByUserName(userName)) === null);
    return { createdMs, removedMs };
  } finally {
    visitor.close();
  }
}
const step = (text: string) => console.log(`\n▶ ${text}`);

async function startRun(client: Client, workflowId: string, input: SyncRunInput): Promise<void> {
  await client.workflow.start('syncRunWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: [
      { key: RUN_KIND, value: input.kind },
      { key: STARTED_BY, value: 'demo' },
      { key: DRY_RUN, value: input.dryRun ?? false },
      { key: RUN_STATUS, value: 'running' },
    ],
    memo: { startedBy: 'demo', invitations: 'send', dryRun: input.dryRun ?? false },
  });
}

/**
 * Visitor was installed at the company's HQ before the sync: its default location is the office
 * Engage knows as its first location (same name and address), as on a real onboarding.
 */
async function hqIsVisitorsDefault(db: Kysely<EngageDatabase>): Promise<string | undefined> {
  const visitor = new VisitorScimClient({ baseUrl: config.visitor.url, token: config.visitor.token });
  try {
    const def = (await visitor.listLocations()).find((l) => l.isDefault);
    const first = await db
      .selectFrom('engage.locations')
      .select('id')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!def || !first) return undefined;
    await db
      .updateTable('engage.locations')
      .set({
        name: def.name,
        ...(def.address?.streetAddress ? { address: def.address.streetAddress } : {}),
        ...(def.address?.locality ? { city: def.address.locality } : {}),
      })
      .where('id', '=', first.id)
      .execute();
    return def.name;
  } finally {
    visitor.close();
  }
}
const started = Date.now();

step('Bringing the stack up (Temporal dev server, PostgreSQL, Visitor emulator, worker)');
await up(config, (m) => console.log(`  ${m}`), true);

const ctx = cliContext(config);
const engageDb = createDb<EngageDatabase>({ url: config.engageDatabase.url, poolSize: 2 });
try {
  const client = await ctx.temporal();
  const existing = await engageDb
    .selectFrom('engage.users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) === 0) {
    step(`Seeding a demo company in Engage: ${users} users, ${locations} locations`);
    const seeded = await seedCompany(engageDb, { users, locations, seed: 'demo' });
    console.log(
      `  ${seeded.users} users (${seeded.usersByType.global_admin} global, ${seeded.usersByType.country_admin} country, ${seeded.usersByType.location_admin} location, ${seeded.usersByType.group_admin} group and ${seeded.usersByType.video_admin} video admins, ${seeded.usersByType.vendor} vendors) in ${formatDuration(seeded.durationMs)}`,
    );
    const hq = await hqIsVisitorsDefault(engageDb);
    if (hq)
      console.log(`  the first location is the company's HQ, "${hq}": Visitor's default location already`);
  } else {
    console.log(`\n▶ Engage already holds ${existing.n} users (an earlier demo): reusing them`);
  }

  step('Onboarding, step 1: a dry run of the initial sync — the plan to review, nothing written to Visitor');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const dryId = `initial-sync-demo-${stamp}-plan`;
  await startRun(client, dryId, {
    kind: 'initial',
    startedBy: 'demo',
    dryRun: true,
    invitations: { mode: 'send' },
  });
  await watchRun(ctx, dryId);
  await planCommand.run({ positionals: [dryId], values: { limit: '5' } } as never, () => ctx);

  step(
    "Onboarding, step 2: the operator confirms the proposed location matches (Visitor's HQ is Engage's HQ)",
  );
  await locationsListCommand.run({ positionals: [], values: {} } as never, () => ctx);
  await locationsAcceptCommand
    .run({ positionals: [dryId], values: {} } as never, () => ctx)
    .catch((err: Error) => console.log(`  ${err.message}`));

  step(
    'Onboarding, step 3: the initial sync applies exactly the reviewed plan (checked against a fresh one first)',
  );
  const initialId = `initial-sync-demo-${stamp}`;
  await startRun(client, initialId, {
    kind: 'initial',
    startedBy: 'demo',
    invitations: { mode: 'send' },
    reviewedPlanRunId: dryId,
  });
  await watchRun(ctx, initialId);

  step('Creating the daily schedule (a Temporal Schedule, every 24 h, overlap: skip)');
  const schedule = await ensureSchedule(client, config);
  console.log(`  schedule ${schedule.scheduleId}: ${schedule.result}`);

  step('A day passes in Engage: edits, new hires, leavers, a promotion, a new location, a few dirty rows');
  const churn = await applyChurn(engageDb, {
    update: { percent: 1 },
    create: { percent: 0.5 },
    delete: { percent: 0.2 },
    promote: 2,
    demote: 1,
    newLocations: 1,
    dirty: 4,
  });
  console.log(`  ${countsSummary(churn.counts as unknown as Record<string, number>)}`);

  step('Triggering the scheduled daily run now');
  const lastBefore = (await describeSchedule(client, schedule.scheduleId))?.info.recentActions.at(-1)?.action
    .workflow.workflowId;
  await triggerSchedule(client, schedule.scheduleId);
  let dailyId: string | undefined;
  for (let i = 0; i < 150 && !dailyId; i++) {
    const last = (await describeSchedule(client, schedule.scheduleId))?.info.recentActions.at(-1)?.action
      .workflow.workflowId;
    if (last && last !== lastBefore) dailyId = last;
    else await new Promise((r) => setTimeout(r, 200));
  }
  if (!dailyId) throw new Error('the schedule did not start a run');
  await watchRun(ctx, dailyId);

  step(
    'A new hire arrives through the Engage SCIM API, as Okta or Entra ID send it — and reaches Visitor in seconds',
  );
  const hire = await newHireThroughScim(engageDb);
  console.log(`  created in Engage over SCIM → in Visitor after ${(hire.createdMs / 1000).toFixed(1)} s`);
  console.log(
    `  deactivated over SCIM (active=false) → removed from Visitor after ${(hire.removedMs / 1000).toFixed(1)} s`,
  );

  step('A second company on the same deployment: tenant "beta", its own Engage database and Visitor company');
  const beta = await demoSecondCompany(config, ctx, 300);
  console.log(
    `  beta: ${beta.engageUsers} active Engage users → ${beta.visitorUsers} users in its Visitor; state in schema sync_beta, runs as beta.*`,
  );

  const [initial, daily] = await Promise.all([
    client.workflow.getHandle(initialId).result() as Promise<SyncRunResult>,
    client.workflow.getHandle(dailyId).result() as Promise<SyncRunResult>,
  ]);
  const visitorStats = await fetch(new URL('/_admin/stats', config.visitor.url).toString())
    .then((r) => r.json() as Promise<{ store?: { users?: number; locations?: number } }>)
    .catch(() => undefined);
  const ns = config.temporal.namespace;
  const ui = config.temporal.uiUrl;
  console.log(`
════════════════════════════════════════════════════════════════════════
 Demo finished in ${formatDuration(Date.now() - started)}
   initial sync  ${initial.status}: ${countsSummary(initial.counts)}
   daily run     ${daily.status}: ${countsSummary(daily.counts)}${daily.reason ? `\n                 ${daily.reason}` : ''}
   Visitor now   ${visitorStats?.store?.users ?? '?'} users, ${visitorStats?.store?.locations ?? '?'} locations (emulator at ${config.visitor.url})
   tenant beta   initial sync ${beta.runExit === 0 ? 'completed' : 'did not complete'}: ${beta.visitorUsers} users in its own Visitor (paused after the demo)
 Where to look
   Temporal UI        ${ui}/namespaces/${ns}/workflows
   the initial sync   ${ctx.link(initialId)}
   the daily run      ${ctx.link(dailyId)}
   the schedule       ${ui}/namespaces/${ns}/schedules/${schedule.scheduleId}
   find runs          ${ui}/namespaces/${ns}/workflows?query=${encodeURIComponent('EvsRunKind="daily"')}
 Try
   npm run sync -- status          recent runs
   npm run sync -- status --tenant beta    the second company's runs
   npm run tenant -- list          the companies of the registry
   npm run log -- --run ${dailyId}    what the daily run did
   npm run schedule -- describe    the schedule
   npm run stack:down              stop everything (state is kept under .data/)
════════════════════════════════════════════════════════════════════════`);
} finally {
  await engageDb.destroy();
  await ctx.close();
}
