// The demo's second company: "Beta", a tenant of the registry beside the configured company, with an
// Engage database of its own (engage_beta in the local cluster) and its own Visitor company (a second
// emulator, run by the demo, its state under .data/). Onboarded with `sync initial --tenant beta`, as
// an operator would type it; paused at the end, since its Visitor emulator stops with the demo.
import path from 'node:path';
import pg from 'pg';
import { type CliContext, CliError } from '../clients/context';
import { dispatch } from '../clients/dispatch';
import { SYNC_COMMANDS, SYNC_INTRO } from '../clients/sync/commands';
import { Secret } from '../config/secret';
import { localPostgresUrl, type ServiceConfig } from '../config/service';
import { createDb } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import { migrateToLatest } from '../db/migrate';
import { SecretBox } from '../state/secret-box';
import { TenantRegistry } from '../state/tenants';
import { startVisitorEmulator } from './emulator/server';
import { seedCompany } from './engage-generator/seed';
import { adminUrl } from './harness/db';
import { DATA_DIR } from './stack/paths';

export const DEMO_TENANT = 'beta';
const ENGAGE_DB = 'engage_beta';
const TOKEN = 'beta-demo-visitor-token';

export interface SecondCompany {
  runExit: number;
  engageUsers: number;
  visitorUsers: number;
  visitorUrl: string;
}

export async function demoSecondCompany(
  config: ServiceConfig,
  ctx: CliContext,
  users: number,
): Promise<SecondCompany> {
  if (!config.tenantSecretKeys)
    throw new CliError('TENANT_SECRETS_KEYS is not set: the demo cannot add a tenant');
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${ENGAGE_DB}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // already there (an earlier demo)
  } finally {
    await admin.end();
  }
  const engageUrl = localPostgresUrl(ENGAGE_DB);
  const engage = createDb<EngageDatabase>({ url: engageUrl, poolSize: 2 });
  const emulator = await startVisitorEmulator({
    token: TOKEN,
    dataFile: path.join(DATA_DIR, 'visitor-beta.json'),
    defaultLocation: { name: 'Beta Head Office' },
  });
  try {
    await migrateToLatest(engage as never, 'engage');
    const { n } = await engage
      .selectFrom('engage.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) === 0) await seedCompany(engage, { users, locations: 3, seed: 'beta' });

    const registry = new TenantRegistry(ctx.db(), { box: new SecretBox(config.tenantSecretKeys) });
    const had = await registry.get(DEMO_TENANT);
    if (!had) {
      await registry.add({
        id: DEMO_TENANT,
        displayName: 'Beta Ltd (demo)',
        engage: { kind: 'database', url: new Secret(engageUrl) },
        visitor: { url: emulator.baseUrl, token: new Secret(TOKEN) },
        options: { invitations: { mode: 'disabled' } },
        schedule: { time: '03:00', timeZone: 'Europe/London' },
      });
    } else {
      // The emulator listens on another port this time.
      await registry.update(DEMO_TENANT, { visitorUrl: emulator.baseUrl });
      if (had.state === 'paused') await registry.resume(DEMO_TENANT);
    }
    console.log(
      `  tenant "${DEMO_TENANT}": Engage database ${ENGAGE_DB}, Visitor ${emulator.baseUrl} (its own company and token)`,
    );
    console.log(`  $ npm run sync -- initial --tenant ${DEMO_TENANT}`);
    const runExit = await dispatch(
      'sync',
      SYNC_INTRO,
      SYNC_COMMANDS,
      ['initial', '--tenant', DEMO_TENANT],
      () => ctx,
    );
    const state = (await (await fetch(`${emulator.adminUrl}/stats`)).json()) as {
      store?: { users?: number };
    };
    const engageUsers = Number(
      (
        await engage
          .selectFrom('engage.users')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('active', '=', true)
          .where('deleted_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    );
    await registry.pause(DEMO_TENANT, 'demo: its Visitor emulator ran inside npm run demo');
    return { runExit, engageUsers, visitorUsers: state.store?.users ?? 0, visitorUrl: emulator.baseUrl };
  } finally {
    await emulator.close();
    await engage.destroy();
  }
}
