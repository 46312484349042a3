// Operator commands for SCIM clients and tokens. Secrets are shown once, at creation; tokens never.
//   client create <name> | client list | client revoke <clientId>
//   token list | token revoke <tokenId>
import { loadConfigOrExit } from '../config/service';
import { createDb } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import { createClient, listClients, listTokens, revokeClient, revokeToken } from './auth/tokens';

const USAGE = `usage: npm run engage-scim -- <command>
  client create <name>      create a SCIM client; prints its id and secret (shown once)
  client list               list clients
  client revoke <clientId>  revoke a client and all its tokens
  token list                list tokens (ids, client, created, expiry, last used; never the token)
  token revoke <tokenId>    revoke one token`;

const [group, action, arg] = process.argv.slice(2);
const config = loadConfigOrExit();
const db = createDb<EngageDatabase>({
  url: config.engageDatabase.url,
  poolSize: 2,
  applicationName: 'engage-scim-cli',
});
const iso = (d: Date | null) => (d ? d.toISOString() : '-');

async function run(): Promise<number> {
  const cmd = `${group ?? ''} ${action ?? ''}`.trim();
  switch (cmd) {
    case 'client create': {
      if (!arg) break;
      const c = await createClient(db, arg);
      console.log(
        `scimClientId:     ${c.clientId}\nscimClientSecret: ${c.clientSecret}\n(the secret is not stored; keep it now)`,
      );
      return 0;
    }
    case 'client list':
      for (const c of await listClients(db)) {
        console.log(
          [
            c.id,
            c.name,
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

const code = await run().finally(() => db.destroy());
process.exit(code);
