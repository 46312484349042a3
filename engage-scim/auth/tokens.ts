// SCIM clients (id + secret) and the bearer tokens exchanged for them. A token reads
// `est_<tokenId>.<secret>`: the id finds the row, the secret's sha256 is compared in constant time.
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { DEFAULT_SCOPES, type Scope, scopeSet } from './scopes';
import { constantTimeEqual, hashSecret, randomId, randomSecret, sha256, verifySecret } from './secrets';

type Db = Kysely<EngageDatabase>;

export const MIN_TOKEN_EXPIRY = 60;
export const MAX_TOKEN_EXPIRY = 315_360_000;

export async function createClient(
  db: Db,
  name: string,
  scopes: readonly Scope[] = DEFAULT_SCOPES,
): Promise<{ clientId: string; clientSecret: string }> {
  const clientId = randomId('scim');
  const clientSecret = randomSecret();
  await db
    .insertInto('engage.scim_clients')
    .values({ id: clientId, name, secret_hash: await hashSecret(clientSecret), scopes: [...scopes] })
    .execute();
  return { clientId, clientSecret };
}

export const listClients = (db: Db) =>
  db
    .selectFrom('engage.scim_clients')
    .select(['id', 'name', 'scopes', 'created_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();

/** Revokes the client and every token it holds. */
export async function revokeClient(db: Db, clientId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('engage.scim_clients')
      .set({ revoked_at: new Date() })
      .where('id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await trx
      .updateTable('engage.scim_tokens')
      .set({ revoked_at: new Date() })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .execute();
    return Number(r.numUpdatedRows) > 0;
  });
}

/** Exchanges valid, unrevoked client credentials for a token; undefined when they are not. */
export async function issueToken(
  db: Db,
  clientId: string,
  clientSecret: string,
  expiresInSeconds: number,
): Promise<{ accessToken: string; tokenId: string; expiresAt: Date } | undefined> {
  const client = await db
    .selectFrom('engage.scim_clients')
    .select(['id', 'secret_hash'])
    .where('id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!(await verifySecret(clientSecret, client?.secret_hash)) || !client) return undefined;
  const tokenId = randomId('tok');
  const accessToken = `est_${tokenId}.${randomSecret()}`;
  const expiresAt = new Date(Date.now() + expiresInSeconds * 1000);
  await db
    .insertInto('engage.scim_tokens')
    .values({ id: tokenId, client_id: client.id, token_hash: sha256(accessToken), expires_at: expiresAt })
    .execute();
  return { accessToken, tokenId, expiresAt };
}

const TOKEN = /^est_(tok_[A-Za-z0-9_-]{6,64})\.[A-Za-z0-9_-]{20,128}$/;

/** The client a bearer token belongs to, or undefined for a malformed, unknown, expired or revoked one. */
export interface Principal {
  clientId: string;
  tokenId: string;
  scopes: ReadonlySet<Scope>;
}

export async function authenticate(db: Db, token: string): Promise<Principal | undefined> {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const row = await db
    .selectFrom('engage.scim_tokens as t')
    .innerJoin('engage.scim_clients as c', 'c.id', 't.client_id')
    .select([
      't.id',
      't.client_id',
      't.token_hash',
      't.expires_at',
      't.revoked_at',
      't.last_used_at',
      'c.scopes',
    ])
    .where('t.id', '=', m[1]!)
    .where('c.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || !constantTimeEqual(sha256(token), row.token_hash)) return undefined;
  if (row.revoked_at || row.expires_at.getTime() <= Date.now()) return undefined;
  // last_used_at at minute granularity: not one write per request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('engage.scim_tokens')
      .set({ last_used_at: new Date() })
      .where('id', '=', row.id)
      .execute();
  }
  return { clientId: row.client_id, tokenId: row.id, scopes: scopeSet(row.scopes) };
}

export const listTokens = (db: Db) =>
  db
    .selectFrom('engage.scim_tokens')
    .select(['id', 'client_id', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();

export async function revokeToken(db: Db, tokenId: string): Promise<boolean> {
  const r = await db
    .updateTable('engage.scim_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
