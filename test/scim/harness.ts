/** Shared set-up for the Visitor SCIM client tests: an in-process emulator and a client on it. */
import type { FaultConfigInput } from '../../dev/emulator/faults';
import { startVisitorEmulator, type VisitorEmulatorOptions } from '../../dev/emulator/server';
import type { RequestEvent, RetryEvent, VisitorScimClientOptions } from '../../scim/client';
import { VisitorScimClient } from '../../scim/client';
import type { UserCreateRequest } from '../../scim/wire';
import { URN_CORE_USER, URN_VISITOR_USER } from '../../scim/wire';

/** Distinctive so a leak is unmistakable in any string. */
export const TOKEN = 'tok-9f8e7d6c5b4a-SECRET-do-not-log';

export type Emulator = Awaited<ReturnType<typeof startVisitorEmulator>>;

export async function startEmulator(
  options: Pick<VisitorEmulatorOptions, 'maxPageSize' | 'patch'> = {},
): Promise<Emulator> {
  return startVisitorEmulator({ host: '127.0.0.1', port: 0, token: TOKEN, ...options });
}

export interface Recorded {
  client: VisitorScimClient;
  requests: RequestEvent[];
  retries: RetryEvent[];
}

/** A client that records its hooks; retries are fast and deterministic unless overridden. */
export function newClient(emu: Emulator, options: Partial<VisitorScimClientOptions> = {}): Recorded {
  const requests: RequestEvent[] = [];
  const retries: RetryEvent[] = [];
  const client = new VisitorScimClient({
    baseUrl: emu.baseUrl,
    token: TOKEN,
    concurrency: 4,
    timeoutMs: 5000,
    onRequest: (e) => requests.push(e),
    onRetry: (e) => retries.push(e),
    ...options,
    retry: { baseDelayMs: 5, maxDelayMs: 20, random: () => 0.5, ...options.retry },
  });
  return { client, requests, retries };
}

export async function setFaults(emu: Emulator, faults: FaultConfigInput): Promise<void> {
  const res = await fetch(`${emu.adminUrl}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`PUT /_admin/faults → ${res.status} ${await res.text()}`);
}

export const clearFaults = (emu: Emulator) => setFaults(emu, {});

let counter = 0;
/** A valid create body; userName equals the work e-mail as Visitor requires. */
export function userBody(overrides: Partial<UserCreateRequest> & { email?: string } = {}): UserCreateRequest {
  const { email: given, ...rest } = overrides;
  const email = given ?? `user${++counter}.${process.pid}@example.com`;
  return {
    schemas: [URN_CORE_USER, URN_VISITOR_USER],
    userName: email,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: email, type: 'work', primary: true }],
    active: true,
    ...rest,
  };
}
