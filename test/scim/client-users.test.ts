import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VisitorScimClient } from '../../scim/client';
import {
  VisitorInvalidRequestError,
  VisitorNotFoundError,
  VisitorPreconditionFailedError,
} from '../../scim/errors';
import {
  addLocationAccess,
  removeLocationAccess,
  removePhoneNumber,
  replaceUserName,
  setActive,
  setLocationRole,
  setPhoneNumber,
  setSso,
  setUserAttributes,
} from '../../scim/patch';
import type { ScimUser, ScimUserWriteAnswer, UserCreateRequest } from '../../scim/wire';
import { LocationAccessListRequestSchema, URN_VISITOR_LOCATION, URN_VISITOR_USER } from '../../scim/wire';
import type { Emulator, Recorded } from './harness';
import { newClient, startEmulator, userBody } from './harness';

const ext = (u: ScimUser) => u[URN_VISITOR_USER];
const invitationOf = (u: ScimUser | ScimUserWriteAnswer) => u[URN_VISITOR_USER]?.invitation;

describe('Visitor SCIM client — users', () => {
  let emu: Emulator;
  let rec: Recorded;
  let client: VisitorScimClient;

  before(async () => {
    emu = await startEmulator();
    rec = newClient(emu);
    client = rec.client;
  });
  after(async () => {
    client.close();
    await emu.close();
  });

  it('creates a user and reads it back', async () => {
    const body = userBody({ externalId: 'engage-1', title: 'Engineer' });
    const { user, adopted } = await client.createUser(body);
    assert.equal(adopted, false);
    assert.equal(user.userName, body.userName);
    assert.equal(user.externalId, 'engage-1');
    assert.match(user.meta.version, /"/);
    // The answer to a create is the short one (RFC 7644 §3.9 attributes): no echo of the rest.
    assert.equal(user.title, undefined);
    assert.equal(user.name, undefined);
    const read = await client.getUser(user.id);
    assert.equal(read?.id, user.id);
    assert.equal(read?.externalId, 'engage-1');
    assert.equal(read?.title, 'Engineer');
  });

  it('a frozen access list shared by many bodies is checked once and sent whole every time', async () => {
    const [{ location: a }, { location: b }] = await Promise.all([
      client.createLocation({ schemas: [URN_VISITOR_LOCATION], name: 'Shared A', externalId: 'shared-a' }),
      client.createLocation({ schemas: [URN_VISITOR_LOCATION], name: 'Shared B', externalId: 'shared-b' }),
    ]);
    const shared = Object.freeze([
      Object.freeze({ locationId: a.id, role: 'regular' as const }),
      Object.freeze({ locationId: b.id, role: 'admin' as const }),
    ]) as { locationId: string; role: 'regular' | 'admin' }[];
    const withList = (extra: Partial<UserCreateRequest> = {}) =>
      userBody({ ...extra, [URN_VISITOR_USER]: { locationAccess: shared, sso: true } });
    // Count the checks of the list on its own: one for every body that shares it.
    let listChecks = 0;
    const schema = LocationAccessListRequestSchema as unknown as { safeParse: (v: unknown) => unknown };
    const original = schema.safeParse;
    schema.safeParse = (v: unknown) => {
      listChecks++;
      return original.call(LocationAccessListRequestSchema, v);
    };
    let made: Awaited<ReturnType<typeof client.createUser>>[];
    try {
      made = await Promise.all([client.createUser(withList()), client.createUser(withList())]);
      await client.createUser(withList());
    } finally {
      schema.safeParse = original;
    }
    assert.equal(listChecks, 1, 'a shared frozen list is checked once');
    for (const { user } of made) {
      const read = (await client.getUser(user.id))!;
      assert.deepEqual(ext(read).locationAccess, shared);
      assert.equal(ext(read).sso, true);
    }
    // The rest of the body is still checked every time, list cached or not.
    const before = rec.requests.length;
    await assert.rejects(
      client.createUser(withList({ name: { givenName: '', familyName: 'X' } })),
      (err) => err instanceof VisitorInvalidRequestError && /name\.givenName/.test(err.detail ?? ''),
    );
    // A bad frozen list is refused, every time (a refused list is not remembered as checked).
    const bad = Object.freeze([Object.freeze({ locationId: a.id, role: 'owner' })]) as never;
    for (let i = 0; i < 2; i++)
      await assert.rejects(
        client.createUser(userBody({ [URN_VISITOR_USER]: { locationAccess: bad } })),
        (err) => err instanceof VisitorInvalidRequestError && /0\.role/.test(err.detail ?? ''),
      );
    assert.equal(rec.requests.length, before, 'refused bodies are never sent');
  });

  it('getUser of an unknown id is null', async () => {
    assert.equal(await client.getUser('does-not-exist'), null);
  });

  it('a second create of the same userName adopts the existing user', async () => {
    const body = userBody();
    const first = await client.createUser(body);
    const second = await client.createUser(body);
    assert.equal(second.adopted, true);
    assert.equal(second.user.id, first.user.id);
    const upper = body.userName.toUpperCase();
    const third = await client.createUser(
      userBody({ email: upper, emails: [{ value: upper, type: 'work', primary: true }] }),
    );
    assert.equal(third.adopted, true, 'userName is case-insensitive');
    assert.equal(third.user.id, first.user.id);
    const conflicts = rec.requests.filter(
      (r) => r.route === '/Users' && r.method === 'POST' && r.status === 409,
    );
    assert.equal(conflicts.length, 2);
  });

  it('finds users by userName (case-insensitive) and by externalId', async () => {
    const body = userBody({ externalId: 'engage-find-1' });
    const { user } = await client.createUser(body);
    assert.equal((await client.findUserByUserName(body.userName.toUpperCase()))?.id, user.id);
    assert.equal((await client.findUserByExternalId('engage-find-1'))?.id, user.id);
    assert.equal(await client.findUserByExternalId('engage-find-unknown'), null);
  });

  it('escapes quotes and backslashes in filter values', async () => {
    // A broken escape would be a 400 invalidFilter, or would match something else.
    assert.equal(await client.findUserByUserName('a"b\\c or userName pr'), null);
    assert.equal(await client.findUserByExternalId('x" or externalId pr or "'), null);
  });

  it('creates with or without the invitation and sends it later, idempotently', async () => {
    const held = await client.createUser(userBody(), { sendInvitation: false });
    assert.equal(invitationOf(held.user)?.status, 'held');
    const sent = await client.createUser(userBody(), { sendInvitation: true });
    assert.equal(invitationOf(sent.user)?.status, 'sent');

    const first = await client.sendInvitation(held.user.id);
    assert.equal(first.alreadySent, false);
    const again = await client.sendInvitation(held.user.id);
    assert.equal(again.alreadySent, true);
    assert.equal(again.sentAt, first.sentAt);
  });

  it('replaces a user with PUT, honouring If-Match', async () => {
    const created = await client.createUser(userBody({ title: 'Before' }));
    const user = (await client.getUser(created.user.id))!;
    const { schemas, userName, name, emails, active } = user;
    const base = {
      schemas,
      userName,
      name: { givenName: name.givenName, familyName: name.familyName },
      active,
    };
    const body = {
      ...base,
      emails: emails.map((e) => ({ value: e.value, type: 'work' as const, primary: true })),
    };
    const replaced = await client.replaceUser(
      user.id,
      { ...body, title: 'After' },
      { ifMatch: user.meta.version },
    );
    assert.equal(replaced.title, 'After');
    assert.notEqual(replaced.meta.version, user.meta.version);
    await assert.rejects(
      client.replaceUser(user.id, { ...body, title: 'Stale' }, { ifMatch: user.meta.version }),
      (err) =>
        err instanceof VisitorPreconditionFailedError && err.status === 412 && err.route === '/Users/{id}',
    );
    assert.equal((await client.getUser(user.id))?.title, 'After');
  });

  it('patches attributes, phones, userName + e-mail, sso, access and active', async () => {
    const [locA, locB] = await Promise.all([
      client.createLocation({ schemas: [URN_VISITOR_LOCATION], name: 'Patch A', externalId: 'patch-a' }),
      client.createLocation({ schemas: [URN_VISITOR_LOCATION], name: 'Patch B', externalId: 'patch-b' }),
    ]);
    const a = locA.location.id;
    const b = locB.location.id;
    const { user } = await client.createUser(userBody({ title: 'Old' }));
    const newName = `renamed.${user.id}@example.com`;

    let u = await client.patchUser(user.id, [
      ...setUserAttributes({ 'name.givenName': 'Grace', title: null, preferredLanguage: 'fr' }),
      ...setPhoneNumber('mobile', '+447700900123'),
      ...replaceUserName(newName),
      ...setSso(true),
      ...addLocationAccess([
        { locationId: a, role: 'regular' },
        { locationId: b, role: 'admin' },
      ]),
    ]);
    assert.equal(u.name.givenName, 'Grace');
    assert.equal(u.title, undefined);
    assert.equal(u.preferredLanguage, 'fr');
    assert.deepEqual(
      u.phoneNumbers?.map((p) => [p.type, p.value]),
      [['mobile', '+447700900123']],
    );
    assert.equal(u.userName, newName);
    assert.equal(u.emails.find((e) => e.type === 'work')?.value, newName);
    assert.equal(ext(u).sso, true);
    const access = () => Object.fromEntries(ext(u).locationAccess.map((x) => [x.locationId, x.role]));
    assert.equal(access()[a], 'regular');
    assert.equal(access()[b], 'admin');

    u = await client.patchUser(
      user.id,
      [
        ...setPhoneNumber('mobile', '+447700900999'),
        ...setLocationRole(a, 'admin'),
        ...removeLocationAccess(b),
        ...setActive(false),
      ],
      { ifMatch: u.meta.version },
    );
    assert.deepEqual(
      u.phoneNumbers?.map((p) => p.value),
      ['+447700900999'],
      'setting an existing type updates it in place',
    );
    assert.equal(access()[a], 'admin');
    assert.equal(access()[b], undefined);
    assert.equal(u.active, false);

    u = await client.patchUser(user.id, removePhoneNumber('mobile'));
    assert.equal(u.phoneNumbers?.length ?? 0, 0);
  });

  it('PATCH with a stale ETag fails with 412 and changes nothing', async () => {
    const { user } = await client.createUser(userBody({ title: 'T1' }));
    await client.patchUser(user.id, setUserAttributes({ title: 'T2' }));
    await assert.rejects(
      client.patchUser(user.id, setUserAttributes({ title: 'T3' }), { ifMatch: user.meta.version }),
      VisitorPreconditionFailedError,
    );
    assert.equal((await client.getUser(user.id))?.title, 'T2');
  });

  it('PATCH of an unknown user is a 404 error', async () => {
    await assert.rejects(
      client.patchUser('nope', setActive(false)),
      (err) => err instanceof VisitorNotFoundError && err.status === 404 && !err.retryable,
    );
  });

  it('deletes idempotently', async () => {
    const { user } = await client.createUser(userBody());
    assert.equal(await client.deleteUser(user.id), true);
    assert.equal(await client.deleteUser(user.id), false);
    assert.equal(await client.getUser(user.id), null);
  });
});

describe('Visitor SCIM client — paging', () => {
  let emu: Emulator;
  let rec: Recorded;

  before(async () => {
    emu = await startEmulator({ maxPageSize: 3 });
    rec = newClient(emu);
  });
  after(async () => {
    rec.client.close();
    await emu.close();
  });

  it('reads every user across pages, capped at the server page size', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 8; i++) created.add((await rec.client.createUser(userBody())).user.id);
    assert.equal(await rec.client.maxPageSize(), 3);

    rec.requests.length = 0;
    const seen: string[] = [];
    const starts: number[] = [];
    for await (const page of rec.client.listUsers({ pageSize: 100 })) {
      assert.ok(page.resources.length <= 3);
      assert.equal(page.totalResults, 8);
      starts.push(page.startIndex);
      seen.push(...page.resources.map((u) => u.id));
    }
    assert.deepEqual(starts, [1, 4, 7]);
    assert.equal(seen.length, 8);
    assert.deepEqual(new Set(seen), created);
    assert.equal(
      rec.requests.filter((r) => r.route === '/Users').length,
      3,
      'no extra request after the last page',
    );

    // Stable order: a second pass yields the same sequence.
    const again: string[] = [];
    for await (const page of rec.client.listUsers({ pageSize: 2 }))
      again.push(...page.resources.map((u) => u.id));
    assert.deepEqual(again, seen);
  });

  it('an empty filter result yields no page', async () => {
    const pages = [];
    for await (const page of rec.client.listUsers({ filter: 'userName eq "nobody@example.com"' }))
      pages.push(page);
    assert.equal(pages.length, 0);
  });
});
