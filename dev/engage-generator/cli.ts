// `npm run engage -- seed|churn|stats`: generates and inspects a realistic Engage source database.
// Exit codes: 0 done, 1 failed, 2 bad usage (flags, values, configuration, non-empty database).

import type { Kysely } from 'kysely';
import { loadConfigOrExit } from '../../config/service';
import { createDb } from '../../db/connect';
import type { EngageDatabase } from '../../db/engage-schema';
import { migrateToLatest } from '../../db/migrate';
import { applyChurn } from './churn';
import { type Command, parseCommand, UsageError } from './options';
import { NotEmptyError, seedCompany } from './seed';
import { engageStats } from './stats';

async function run(command: Exclude<Command, { command: 'help' }>, url: string): Promise<void> {
  const db = createDb<EngageDatabase>({ url, poolSize: 2, applicationName: 'engage-generator' });
  try {
    if (command.command === 'seed') {
      // The generator's database is local by definition: bring its schema up to date before seeding.
      await migrateToLatest(db as Kysely<unknown>, 'engage');
      const summary = await seedCompany(db, command);
      if (command.json) console.log(JSON.stringify(summary, null, 2));
      else {
        const t = summary.usersByType;
        console.log(
          `Seeded ${summary.users} users and ${summary.locations} locations (seed ${summary.seed}) in ${(summary.durationMs / 1000).toFixed(1)} s`,
        );
        console.log(
          `  ${t.global_admin} global admins, ${t.country_admin} country admins (${summary.countryAdminLinks} country links), ${t.location_admin} location admins (${summary.locationAdminLinks} location links), ${t.group_admin} group admins, ${t.video_admin} video admins, ${t.vendor} vendors, ${t.regular} regular`,
        );
        console.log(
          `  ${summary.inactiveUsers} inactive, ${summary.ssoUsers} SSO, ${summary.nonEmailUsernames} non-e-mail usernames`,
        );
      }
    } else if (command.command === 'churn') {
      const summary = await applyChurn(db, command.options);
      if (command.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `Churn (seed ${summary.seed}) on ${summary.activeUsersBefore} active users, ${summary.durationMs} ms:`,
        );
        for (const [kind, n] of Object.entries(summary.counts))
          if (n > 0) console.log(`  ${kind.padEnd(28)} ${n}`);
      }
    } else {
      const stats = await engageStats(db);
      if (command.json) console.log(JSON.stringify(stats, null, 2));
      else {
        const u = stats.users;
        console.log(`Users: ${u.total} (${u.active} active, ${u.inactive} inactive, ${u.deleted} deleted)`);
        for (const [type, n] of Object.entries(u.byType)) console.log(`  ${type.padEnd(16)} ${n}`);
        const l = stats.locations;
        console.log(
          `Locations: ${l.total} (${l.active} active, ${l.inactive} inactive, ${l.deleted} deleted)`,
        );
        console.log(`Location admin links: ${stats.locationAdminLinks}`);
        console.log(`Country admin links: ${stats.countryAdminLinks}`);
      }
    }
  } finally {
    await db.destroy();
  }
}

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`engage: ${err.message}\nRun with --help for usage.`);
  process.exit(2);
}
if (command.command === 'help') {
  console.log(command.text);
} else {
  const config = loadConfigOrExit();
  try {
    await run(command, config.engageDatabase.url);
  } catch (err) {
    if (err instanceof NotEmptyError) {
      console.error(`engage: ${err.message}`);
      process.exit(2);
    }
    console.error(`engage: ${command.command} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
