// Operator commands for SCIM clients and tokens. Secrets are shown once, at creation; tokens never.
//   client create <name> [--scopes read,users,groups,admin_types] | client list | client revoke <clientId>
//   token list | token revoke <tokenId>
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { exitQuietlyWhenOutputCloses } from '../clients/closed-pipe';
import { loadConfigOrExit } from '../config/service';
import { createDb } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import type { SyncDatabase } from '../db/sync-schema';
import { SecretBox } from '../state/secret-box';
import { openTenantEngage } from '../state/tenant-engage';
import { checkTenantId } from '../state/tenant-rules';
import { TenantRegistry } from '../state/tenants';
import { BadScope, DEFAULT_SCOPES, parseScopes, SCOPES, type Scope } from './auth/scopes';
import { createClient, listClients, listTokens, revokeClient, revokeToken } from './auth/tokens';

const USAGE = `usage: npm run engage-scim -- <command>
  client create <name> [--scopes <list>]
                            create a SCIM client; prints its id and secret (shown once).
                            --scopes: comma-separated, of ${SCOPES.join(', ')}
                            (default ${DEFAULT_SCOPES.join(',')}; admin_types lets the client set
                            or change an Engage admin userType)
  client list               list clients with their scopes
  client revoke <clientId>  revoke a client and all its tokens
  token list                list tokens (ids, client, created, expiry, last used; never the token)
  token revoke <tokenId>    revoke one token
  --tenant <id>             any command, for that tenant of the registry (its own Engage database or
                            schema; its clients use …/t/<id>/scim/api/V1)`;

/** Refuses what it cannot run before touching the database: exit 2 with a message. */
function parseCommand(): {
  group?: string;
  action?: string;
  arg?: string;
  scopes?: Scope[];
  tenant?: string;
} {
  const usage = (message?: string): never => {
    if (message) console.error(message);
    console.error(USAGE);
    process.exit(2);
  };
  const parse = () => {
    try {
      return parseArgs({
        args: process.argv.slice(2),
        options: {
          scopes: { type: 'string' },
          tenant: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      return usage((err as Error).message);
    }
  };
  const parsed = parse();
  if (parsed.values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const [group, action, arg, ...extra] = parsed.positionals;
  if (extra.length > 0) usage(`unexpected argument "${extra[0]}"`);
  let scopes: Scope[] | undefined;
  if (parsed.values.scopes !== undefined) {
    if (`${group} ${action}` !== 'client create') usage('--scopes applies to "client create" only');
    try {
      scopes = parseScopes(parsed.values.scopes);
    } catch (err) {
      if (!(err instanceof BadScope)) throw err;
      usage(`--scopes: ${err.message} (known: ${SCOPES.join(', ')})`);
    }
  }
  let tenant: string | undefined;
  if (parsed.values.tenant !== undefined) {
    try {
      tenant = checkTenantId(parsed.values.tenant);
    } catch (err) {
      usage(`--tenant: ${(err as Error).message}`);
    }
  }
  return { group, action, arg, scopes, ...(tenant ? { tenant } : {}) };
}

exitQuietlyWhenOutputCloses();
const { group, action, arg, scopes, tenant } = parseCommand();
const config = loadConfigOrExit();
const shared = createDb<EngageDatabase>({
  url: config.engageDatabase.url,
  poolSize: 2,
  applicationName: 'engage-scim-cli',
});
/** The Engage database the command works on: the configured one, or the --tenant's. */
async function tenantDb(id: string): Promise<{ db: Kysely<EngageDatabase>; close(): Promise<void> }> {
  const syncDb = createDb<SyncDatabase>({
    url: config.database.url,
    poolSize: 1,
    applicationName: 'engage-scim-cli',
  });
  try {
    const registry = new TenantRegistry(syncDb, {
      ...(config.tenantSecretKeys ? { box: new SecretBox(config.tenantSecretKeys) } : {}),
    });
    const t = await registry.get(id);
    if (!t || t.state === 'offboarded') throw new Error(`no tenant ${id} is served (npm run tenant -- list)`);
    const conn = await registry.connection(id);
    // A one-off connection for a tenant's own database (nothing to share in a CLI).
    let own: Kysely<EngageDatabase> | undefined;
    const db = openTenantEngage(conn.engage, {
      shared,
      pools: {
        db: (url) => {
          own = createDb<EngageDatabase>({ url, poolSize: 1, applicationName: 'engage-scim-cli' });
          return own;
        },
      },
    });
    return { db, close: async () => own?.destroy() };
  } finally {
    await syncDb.destroy();
  }
}
let target: { db: Kysely<EngageDatabase>; close(): Promise<void> };
try {
  target = tenant ? await tenantDb(tenant) : { db: shared, close: async () => {} };
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  await shared.destroy();
  process.exit(1);
}
const db = target.db;
const iso = (d: Date | null) => (d ? d.toISOString() : '-');

async function run(): Promise<number> {
  const cmd = `${group ?? ''} ${action ?? ''}`.trim();
  switch (cmd) {
    case 'client create': {
      if (!arg) break;
      const granted = scopes ?? DEFAULT_SCOPES;
      const c = await createClient(db, arg, granted);
      console.log(
        `scimClientId:     ${c.clientId}\nscimClientSecret: ${c.clientSecret}\nscopes:           ${granted.join(',')}\n(the secret is not stored; keep it now)`,
      );
      return 0;
    }
    case 'client list':
      for (const c of await listClients(db)) {
        console.log(
          [
            c.id,
            c.name,
            `scopes ${c.scopes.join(',') || '-'}`,
            `created ${iso(c.created_at)}`,
            c.revoked_at ? `revoked ${iso(c.revoked_at)}` : 'active',
          ].join('\t'),
        );
      }
      return 0;
    case 'client revoke':
      if (!arg) break;
      if (!(await revokeClient(db, arg))) {
        console.error(`no active client ${arg}`);
        return 1;
      }
      console.log(`revoked client ${arg} and its tokens`);
      return 0;
    case 'token list':
      for (const t of await listTokens(db)) {
        const state = t.revoked_at
          ? `revoked ${iso(t.revoked_at)}`
          : t.expires_at < new Date()
            ? 'expired'
            : 'active';
        console.log(
          [
            t.id,
            t.client_id,
            `created ${iso(t.created_at)}`,
            `expires ${iso(t.expires_at)}`,
            `last used ${iso(t.last_used_at)}`,
            state,
          ].join('\t'),
        );
      }
      return 0;
    case 'token revoke':
      if (!arg) break;
      if (!(await revokeToken(db, arg))) {
        console.error(`no active token ${arg}`);
        return 1;
      }
      console.log(`revoked token ${arg}`);
      return 0;
  }
  console.error(USAGE);
  return 2;
}

const code = await run().finally(async () => {
  await target.close();
  await shared.destroy();
});
process.exit(code);
