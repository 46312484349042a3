// End-to-end latency of the upstream path: a user created through the Engage SCIM API (as Okta or
// Entra ID would) until it exists in Visitor with its access, and a deactivation until it is gone.
// Runs its own Engage SCIM server (in-process, with its outbox publisher) against the given Engage
// database and Temporal; a worker must serve `taskQueue`.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { createClient } from '../../engage-scim/auth/tokens';
import { startPublisher } from '../../engage-scim/publisher';
import { startEngageScimServer } from '../../engage-scim/server';
import { VisitorScimClient } from '../../scim/client';
import { URN_VISITOR_USER } from '../../scim/wire';

export interface ScimE2eResult {
  users: number;
  createdMs: { p50: number; p95: number; max: number };
  deactivatedMs: { p50: number; p95: number; max: number };
  withAccess: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
/** p50, p95 and max of a sample (nearest rank). */
export const percentiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s.at(-1) ?? 0 };
};

/** The Engage SCIM API in process (with its outbox publisher) and a bearer token for it. */
export interface EngageScimSession {
  baseUrl: string;
  /** Authorization and content type for SCIM requests. */
  headers: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the Engage SCIM server (no per-client rate limit) and its publisher against the given
 * Engage database and Temporal, and gets a token as an identity provider would.
 */
export async function openEngageScim(opts: {
  engageDb: Kysely<EngageDatabase>;
  temporal: Client;
  taskQueue: string;
}): Promise<EngageScimSession> {
  const publisher = startPublisher({
    db: opts.engageDb,
    temporalClient: opts.temporal,
    taskQueue: opts.taskQueue,
    intervalMs: 500,
  });
  const server = await startEngageScimServer({ db: opts.engageDb, port: 0, publisher, rateLimit: false });
  const close = async () => {
    await server.close();
    await publisher.stop();
  };
  try {
    const { clientId, clientSecret } = await createClient(opts.engageDb, `bench-${Date.now()}`);
    const tokenRes = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        scimClientId: clientId,
        scimClientSecret: clientSecret,
        grantType: 'password',
        tokenExpiry: '3600',
      }),
    });
    const { accessToken } = (await tokenRes.json()) as { accessToken: string };
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/scim+json' };
    return { baseUrl: server.baseUrl, headers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function measureScimToVisitor(opts: {
  engageDb: Kysely<EngageDatabase>;
  temporal: Client;
  taskQueue: string;
  visitorUrl: string;
  visitorToken: string;
  users?: number;
}): Promise<ScimE2eResult> {
  const n = opts.users ?? 100;
  const session = await openEngageScim(opts);
  const server = { baseUrl: session.baseUrl };
  const visitor = new VisitorScimClient({ baseUrl: opts.visitorUrl, token: opts.visitorToken });
  try {
    const headers = session.headers;
    const waitFor = async (check: () => Promise<boolean>) => {
      const t0 = performance.now();
      while (!(await check())) {
        if (performance.now() - t0 > 60_000) throw new Error('a change did not reach Visitor within 60 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const created: number[] = [];
    const deactivated: number[] = [];
    let withAccess = 0;
    // One user at a time: the figure is the latency a new hire sees, not throughput.
    for (let i = 0; i < n; i++) {
      const userName = `bench.hire.${Date.now()}.${i}@meridian-group.example`;
      const t0 = performance.now();
      const res = await fetch(`${server.baseUrl}/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          name: { givenName: 'Bench', familyName: `Hire ${i}` },
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
        }),
      });
      if (res.status !== 201) throw new Error(`Engage SCIM create answered ${res.status}`);
      const { id } = (await res.json()) as { id: string };
      let found: Awaited<ReturnType<VisitorScimClient['findUserByUserName']>> = null;
      await waitFor(async () => {
        found = await visitor.findUserByUserName(userName);
        return found !== null;
      });
      created.push(performance.now() - t0);
      if (
        (found as { [URN_VISITOR_USER]?: { locationAccess?: unknown[] } } | null)?.[URN_VISITOR_USER]
          ?.locationAccess?.length
      )
        withAccess++;
      const t1 = performance.now();
      await fetch(`${server.baseUrl}/Users/${id}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', value: { active: false } }],
        }),
      });
      await waitFor(async () => (await visitor.findUserByUserName(userName)) === null);
      deactivated.push(performance.now() - t1);
    }
    return { users: n, createdMs: percentiles(created), deactivatedMs: percentiles(deactivated), withAccess };
  } finally {
    visitor.close();
    await session.close();
  }
}
