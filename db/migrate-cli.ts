// `npm run migrate [-- --engage]`: applies the sync schema's migrations to DATABASE_URL, and with
// --engage (or on the local stack) the Engage schema to ENGAGE_DATABASE_URL.
import { type CommandSpec, commandHelp, parseCommand, UsageError } from '../clients/args';
import { loadConfigOrExit } from '../config/service';
import { createDb } from './connect';
import { type MigrationSet, migrateAllTenantStates, migrateToLatest } from './migrate';

const SPEC: CommandSpec = {
  name: '',
  summary:
    "Applies the sync state migrations to DATABASE_URL (every tenant's state schema too). With --engage, also creates the Engage demo schema in ENGAGE_DATABASE_URL (never do this on a real Engage database).",
  flags: { engage: { type: 'boolean', description: 'also the Engage demo schema' } },
};
let values: Record<string, string | boolean | undefined>;
try {
  const parsed = parseCommand(SPEC, process.argv.slice(2), 'migrate');
  if (parsed.help) {
    console.log(commandHelp(SPEC, 'migrate'));
    process.exit(0);
  }
  values = parsed.values;
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`error: ${err.message}\n\n${commandHelp(SPEC, 'migrate')}`);
  process.exit(2);
}
const config = loadConfigOrExit();
const targets: [MigrationSet, string][] = [['sync', config.database.url]];
if (values.engage || config.engageDatabase.local) targets.push(['engage', config.engageDatabase.url]);
for (const [set, url] of targets) {
  const db = createDb({ url, poolSize: 1 });
  try {
    const applied = await migrateToLatest(db, set);
    console.log(`${set}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    // Each tenant's state schema (the registry's tenants), with the same migrations.
    if (set === 'sync')
      for (const [tenant, done] of Object.entries(await migrateAllTenantStates(db)))
        console.log(`sync (tenant ${tenant}): ${done.length ? `applied ${done.join(', ')}` : 'up to date'}`);
  } finally {
    await db.destroy();
  }
}
