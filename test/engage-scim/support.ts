// A migrated fresh Engage database, the SCIM server on a random port, a client and a token.
import type { EngageDatabase } from '../../db/engage-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import type { RateLimit } from '../../engage-scim/auth/rate-limit';
import type { Scope } from '../../engage-scim/auth/scopes';
import { createClient, issueToken } from '../../engage-scim/auth/tokens';
import { type EngageScimServer, startEngageScimServer } from '../../engage-scim/server';

export interface ScimHarness {
  db: TestDatabase<EngageDatabase>;
  server: EngageScimServer;
  token: string;
  clientId: string;
  clientSecret: string;
  call: Call;
  /** Calls with the token of a new client holding just these scopes. */
  as(scopes: Scope[]): Promise<Call>;
  close(): Promise<void>;
}

export type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Reply>;

export const ALL_SCOPES: Scope[] = ['read', 'users', 'groups', 'admin_types'];

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field
  body: any;
  headers: Headers;
}

export async function scimHarness(
  name: string,
  opts: {
    rateLimit?: RateLimit | false;
    tokenRateLimit?: RateLimit | false;
    maxBodyBytes?: number;
    publisher?: { wake(): void };
    /** The harness client's scopes; default the product's default (read, users, groups). */
    scopes?: Scope[];
    publicUrl?: string;
    log?: (message: string, err?: unknown) => void;
  } = {},
): Promise<ScimHarness> {
  const db = await freshDatabase<EngageDatabase>(`escim_${name}`, ['engage']);
  const server = await startEngageScimServer({
    db: db.db,
    rateLimit: opts.rateLimit ?? false,
    tokenRateLimit: opts.tokenRateLimit ?? false,
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.publisher ? { publisher: opts.publisher } : {}),
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
    log: opts.log ?? (() => {}),
  });
  const tokenOf = async (scopes?: Scope[]) => {
    const { clientId, clientSecret } = await createClient(db.db, `test-${name}`, scopes);
    const issued = await issueToken(db.db, clientId, clientSecret, 3600);
    return { clientId, clientSecret, token: issued!.accessToken };
  };
  const { clientId, clientSecret, token } = await tokenOf(opts.scopes);
  const callWith =
    (bearer: string): Call =>
    async (method, path, body, headers = {}) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${bearer}`,
          ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    };
  return {
    db,
    server,
    token,
    clientId,
    clientSecret,
    call: callWith(token),
    as: async (scopes) => callWith((await tokenOf(scopes)).token),
    async close() {
      await server.close();
      await db.drop();
    },
  };
}

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ENGAGE = 'urn:ietf:params:scim:schemas:extension:eptura:engage:2.0:User';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});
