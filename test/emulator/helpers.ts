/** Shared helpers for the emulator tests: start an emulator on port 0 and call it over HTTP. */
import type { VisitorEmulator, VisitorEmulatorOptions } from '../../dev/emulator/server';
import { startVisitorEmulator } from '../../dev/emulator/server';
import { URN_CORE_USER, URN_LOCATION_SCHEMA, URN_PATCH_OP, URN_VISITOR_USER } from './urns';

export { URN_CORE_USER, URN_LOCATION_SCHEMA, URN_PATCH_OP, URN_VISITOR_USER };

export const TOKEN = 'test-visitor-token';

export interface HttpResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON bodies
  body: any;
}

export interface TestEmulator {
  emulator: VisitorEmulator;
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  admin(method: string, path: string, body?: unknown): Promise<HttpResult>;
  close(): Promise<void>;
}

async function call(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<HttpResult> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/scim+json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

export async function startTestEmulator(
  options: Partial<VisitorEmulatorOptions> = {},
): Promise<TestEmulator> {
  const emulator = await startVisitorEmulator({ token: TOKEN, host: '127.0.0.1', port: 0, ...options });
  return {
    emulator,
    scim: (method, path, body, headers = {}) =>
      call(`${emulator.baseUrl}${path}`, method, body, { authorization: `Bearer ${TOKEN}`, ...headers }),
    admin: (method, path, body) => call(`${emulator.adminUrl}${path}`, method, body, {}),
    close: () => emulator.close(),
  };
}

/** A valid create body; `userName` doubles as the primary work e-mail, as Visitor requires. */
export function userBody(email: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [local = 'user'] = email.split('@');
  return {
    schemas: [URN_CORE_USER, URN_VISITOR_USER],
    userName: email,
    name: { givenName: local, familyName: 'Tester' },
    emails: [{ value: email, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

export function patchBody(...operations: Record<string, unknown>[]) {
  return { schemas: [URN_PATCH_OP], Operations: operations };
}

export const q = (filter: string) => `/Users?filter=${encodeURIComponent(filter)}`;

export async function createLocation(t: TestEmulator, name: string, extra: Record<string, unknown> = {}) {
  const res = await t.scim('POST', '/Locations', { schemas: [URN_LOCATION_SCHEMA], name, ...extra });
  if (res.status !== 201)
    throw new Error(`location create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; companyId: string; locationId: string; name: string };
}

export async function createUser(t: TestEmulator, email: string, extra: Record<string, unknown> = {}) {
  const res = await t.scim('POST', '/Users', userBody(email, extra));
  if (res.status !== 201) throw new Error(`user create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; userName: string; meta: { version: string } } & Record<string, unknown>;
}
