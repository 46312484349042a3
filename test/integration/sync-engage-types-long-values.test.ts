// Engage as it is (issue 16): every documented user type reaches Visitor, a type the sync does not know
// gets regular access with a warning, country admins administer their countries' locations when asked,
// and an over-long or unsafe display value is cleaned and shortened instead of failing the person.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { detailText, logTable } from '../../clients/log-table';
import { logEntries } from '../../clients/runs';
import { checkInvariants } from '../../dev/harness/invariants';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

type Detail = { warnings?: { code: string; attribute?: string; message: string }[] } | null;

test('a 300-character given name is provisioned shortened, with a warning naming the field in the log', async () => {
  const h = await SyncHarness.create('long_values');
  try {
    await addLocations(h.engage.db, ['Oxford']);
    const longName = `${'Wolfeschlegelsteinhausen'.repeat(12)}Bergerdorff`; // 299 characters
    const [long, injected, reversed, plain] = await addUsers(h.engage.db, [
      { givenName: `${longName}x`, familyName: 'Senior' },
      { givenName: 'Jane\r\nBcc: attacker@example.com', familyName: 'Doe' },
      { givenName: 'Ada', familyName: 'Love\u202Ecod.exe', jobTitle: 'Head of\tOperations' },
      {},
    ]);
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'disabled' } });
    assert.equal(r.status, 'completed', r.reason);
    assert.equal(r.counts.failed ?? 0, 0, 'nobody fails for a long or unsafe name');
    assert.equal(r.counts.created, 4);

    const state = await h.visitorState();
    const byExt = (id: number) => state.users.find((u) => u.externalId === String(id))!;
    assert.equal(byExt(long!).name.givenName, `${longName}x`.slice(0, 255));
    assert.equal([...byExt(long!).name.givenName].length, 255);
    assert.equal(byExt(injected!).name.givenName, 'Jane Bcc: attacker@example.com');
    assert.equal(byExt(reversed!).name.familyName, 'Lovecod.exe');
    assert.equal(byExt(reversed!).title, 'Head of Operations');
    assert.ok(byExt(plain!));

    // The log: the shortened user's entry carries the warning, with the field's name and not its value.
    const [entry] = await logEntries(h.sync.db, { user: String(long), limit: 5 });
    assert.equal(entry?.outcome, 'created');
    const warnings = (entry?.detail as Detail)?.warnings ?? [];
    assert.deepEqual(
      warnings.map((w) => [w.code, w.attribute]),
      [['value_shortened', 'name.givenName']],
    );
    assert.ok(!JSON.stringify(entry?.detail).includes('Wolfe'), 'the value itself is never logged');
    // `npm run log -- --user <id>` shows it.
    assert.match(detailText(entry!.detail), /warning: name\.givenName was longer than 255 characters/);
    assert.match(logTable([entry!], { showUser: true, showRun: false }), /warning: name\.givenName/);
    const [cleaned] = await logEntries(h.sync.db, { user: String(reversed), limit: 5 });
    assert.deepEqual(
      ((cleaned?.detail as Detail)?.warnings ?? []).map((w) => [w.code, w.attribute]),
      [
        ['characters_removed', 'name.familyName'],
        ['characters_removed', 'title'],
      ],
    );
    const [clean] = await logEntries(h.sync.db, { user: String(plain), limit: 5 });
    assert.equal((clean?.detail as Detail)?.warnings, undefined, 'a clean user has no warnings');
    assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true }), []);

    // Shortened the same way every time: the next full reconcile finds nothing to change.
    const again = await h.runSync({ kind: 'daily', full: true });
    assert.equal(again.status, 'completed', again.reason);
    assert.equal(again.counts.updated ?? 0, 0);
  } finally {
    await h.close();
  }
});

test('SYNC_LONG_VALUES=refuse keeps the refusal (value_too_long); unsafe characters are removed either way', async () => {
  const h = await SyncHarness.create('long_refuse', { env: { SYNC_LONG_VALUES: 'refuse' } });
  try {
    await addLocations(h.engage.db, ['Oxford']);
    await h.engage.db
      .insertInto('engage.locations')
      .values({ name: 'Annex\u202Exim', city: 'Oxford\r\nX-Header: 1', country: 'GB' })
      .execute();
    const [long, injected] = await addUsers(h.engage.db, [
      { givenName: 'x'.repeat(300) },
      { givenName: 'Jane\r\nBcc: attacker@example.com' },
    ]);
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'disabled' } });
    assert.equal(r.counts.failed, 1);
    assert.equal(r.counts.created, 1);
    const failure = await h.sync.db
      .selectFrom('sync.user_failures')
      .select(['engage_user_id', 'codes'])
      .executeTakeFirstOrThrow();
    assert.deepEqual([failure.engage_user_id, failure.codes], [long, ['value_too_long']]);
    const state = await h.visitorState();
    assert.equal(
      state.users.find((u) => u.externalId === String(injected))?.name.givenName,
      'Jane Bcc: attacker@example.com',
    );
    const annex = state.locations.find((l) => l.name.startsWith('Annex'));
    assert.equal(annex?.name, 'Annexxim', 'a location name is a display value too');
    assert.equal(annex?.address?.locality, 'Oxford X-Header: 1');
  } finally {
    await h.close();
  }
});

test('every Engage user type reaches Visitor; an unknown type is a regular user with a warning', async () => {
  const h = await SyncHarness.create('user_types');
  try {
    const [oslo, bergen] = await addLocations(h.engage.db, ['Oslo', 'Bergen']);
    const ids = await addUsers(h.engage.db, [
      { userType: 'global_admin' },
      { userType: 'country_admin' },
      { userType: 'location_admin', administers: [oslo!] },
      { userType: 'group_admin' },
      { userType: 'video_admin' },
      { userType: 'regular' },
      { userType: 'vendor' },
      {},
    ]);
    const unknown = ids.at(-1)!;
    await h.engage.db
      .insertInto('engage.country_admins')
      .values({ user_id: ids[1]!, country: 'GB' })
      .execute();
    // A type a newer Engage has and this sync does not know (the CHECK lists the documented ones).
    await sql`ALTER TABLE engage.users DROP CONSTRAINT users_user_type_check`.execute(h.engage.db);
    await sql`UPDATE engage.users SET user_type = 'space_admin' WHERE id = ${unknown}`.execute(h.engage.db);

    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'disabled' } });
    assert.equal(r.status, 'completed', r.reason);
    assert.equal(r.counts.failed ?? 0, 0);
    assert.equal(r.counts.created, 8);

    const state = await h.visitorState();
    const def = state.locations.findIndex((l) => l.isDefault);
    const roles = (id: number) => state.users.find((u) => u.externalId === String(id))?.access;
    const regular = state.locations.map(() => 'r').join('');
    const globalAdmin = state.locations.map((_, i) => (i === def ? 'a' : 'r')).join('');
    assert.deepEqual(
      ids.map(roles),
      [globalAdmin, ...ids.slice(1).map(() => regular)],
      'Global admins admin at the default location, every other type regular everywhere',
    );
    const [entry] = await logEntries(h.sync.db, { user: String(unknown), limit: 5 });
    assert.equal(entry?.outcome, 'created');
    assert.deepEqual(
      ((entry?.detail as Detail)?.warnings ?? []).map((w) => [w.code, w.attribute]),
      [['unknown_user_type', 'userType']],
    );
    assert.match(detailText(entry!.detail), /warning: Engage user type 'space_admin' is unknown/);
    assert.ok(bergen);
    assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true }), []);
  } finally {
    await h.close();
  }
});

test('country admins administer the locations of their countries with the option on, and follow changes', async () => {
  const h = await SyncHarness.create('country_admins', {
    env: { SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES: 'true' },
  });
  try {
    await addLocations(h.engage.db, ['London', 'Leeds']); // GB
    await h.engage.db
      .insertInto('engage.locations')
      .values([
        { name: 'Lyon', country: 'FR' },
        { name: 'Kyoto', country: 'JP' },
      ])
      .execute();
    const [ca, other] = await addUsers(h.engage.db, [
      { userType: 'country_admin' },
      { userType: 'country_admin' },
    ]);
    await h.engage.db
      .insertInto('engage.country_admins')
      .values([
        { user_id: ca!, country: 'GB' },
        { user_id: other!, country: 'JP' },
      ])
      .execute();
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'disabled' } });
    assert.equal(r.status, 'completed', r.reason);

    const rolesAt = async (id: number) => {
      const state = await h.visitorState();
      const u = state.users.find((x) => x.externalId === String(id))!;
      return Object.fromEntries(
        state.locations.map((l, i) => [l.isDefault ? 'default' : l.name, u.access[i]] as const),
      );
    };
    assert.deepEqual(await rolesAt(ca!), { default: 'r', London: 'a', Leeds: 'a', Lyon: 'r', Kyoto: 'r' });
    assert.deepEqual(await rolesAt(other!), { default: 'r', London: 'r', Leeds: 'r', Lyon: 'r', Kyoto: 'a' });

    // A change of countries re-plans that user in the next daily run (the row digest covers them).
    await h.engage.db
      .updateTable('engage.country_admins')
      .set({ country: 'FR' })
      .where('user_id', '=', ca!)
      .execute();
    const daily = await h.runSync({ kind: 'daily' });
    assert.equal(daily.status, 'completed', daily.reason);
    assert.equal(daily.counts.updated, 1);
    assert.deepEqual(await rolesAt(ca!), { default: 'r', London: 'r', Leeds: 'r', Lyon: 'a', Kyoto: 'r' });

    // And a per-user run applies a change at once.
    await h.engage.db
      .insertInto('engage.country_admins')
      .values({ user_id: other!, country: 'GB' })
      .execute();
    const one = await h.provisionUser(other!);
    assert.equal(one.outcome, 'updated');
    assert.deepEqual(await rolesAt(other!), { default: 'r', London: 'a', Leeds: 'a', Lyon: 'r', Kyoto: 'a' });
  } finally {
    await h.close();
  }
});
