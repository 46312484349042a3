// The client's own PATCH applier (for targets that may not PATCH): the forms it must read and what it
// leaves alone. Parity with the emulator's PATCH is shown in client-no-patch.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatchLocally, LocalPatchError } from '../../scim/local-patch';
import { URN_CORE_SCIM1, URN_CORE_USER, URN_VISITOR_USER } from '../../scim/wire';

const user = () => ({
  schemas: [URN_CORE_SCIM1, URN_VISITOR_USER],
  userName: 'ada@example.com',
  Name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' },
  emails: [{ value: 'ada@example.com', type: 'Work', primary: true }],
  nickName: 'Countess',
  [URN_VISITOR_USER]: {
    locationAccess: [
      { locationId: 'L1', role: 'regular' },
      { locationId: 'a and b', role: 'regular' },
    ],
    hostGroup: 'Reception',
  },
});

describe('applyPatchLocally', () => {
  it('attribute names in any case, core URN prefixes (2.0 and 1.x), unknown attributes kept', () => {
    const before = user();
    const after = applyPatchLocally(before, [
      { op: 'replace', path: `${URN_CORE_USER}:name.givenName`, value: 'Augusta' },
      { op: 'replace', path: `${URN_CORE_SCIM1}:TITLE`, value: 'Countess of Lovelace' },
    ]);
    assert.deepEqual(after.Name, { givenName: 'Augusta', familyName: 'Lovelace', middleName: 'King' });
    assert.equal(after.TITLE, 'Countess of Lovelace');
    assert.equal(after.nickName, 'Countess');
    assert.deepEqual(before, user(), 'the input is not changed');
  });

  it('value filters: case-insensitive types, case-exact ids, quoted values with spaces and "and"', () => {
    const after = applyPatchLocally(user(), [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'augusta@example.com' },
      {
        op: 'replace',
        path: `${URN_VISITOR_USER}:locationAccess[locationId eq "a and b"].role`,
        value: 'admin',
      },
      { op: 'remove', path: `${URN_VISITOR_USER}:locationAccess[locationId eq "l1"]` },
    ]);
    assert.equal((after.emails as { value: string }[])[0]?.value, 'augusta@example.com');
    assert.deepEqual((after[URN_VISITOR_USER] as { locationAccess: unknown }).locationAccess, [
      { locationId: 'L1', role: 'regular' },
      { locationId: 'a and b', role: 'admin' },
    ]);
  });

  it('add through an unmatched filter creates the entry; replace through one is noTarget', () => {
    const after = applyPatchLocally(user(), [
      { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+447700900123' },
    ]);
    assert.deepEqual(after.phoneNumbers, [{ type: 'mobile', value: '+447700900123' }]);
    assert.throws(
      () =>
        applyPatchLocally(user(), [
          { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+1' },
        ]),
      (e: unknown) => e instanceof LocalPatchError && e.scimType === 'noTarget',
    );
  });

  it('add merges a multi-valued attribute by its key; path-less values and an extension path', () => {
    const after = applyPatchLocally(user(), [
      {
        op: 'add',
        path: `${URN_VISITOR_USER}:locationAccess`,
        value: [
          { locationId: 'L1', role: 'admin' },
          { locationId: 'L2', role: 'regular' },
        ],
      },
      { op: 'replace', value: { active: false, [URN_VISITOR_USER]: { sso: true } } },
      { op: 'replace', path: URN_VISITOR_USER, value: { defaultLocationId: 'L2' } },
    ]);
    const ext = after[URN_VISITOR_USER] as Record<string, unknown>;
    assert.deepEqual(ext.locationAccess, [
      { locationId: 'L1', role: 'admin' },
      { locationId: 'a and b', role: 'regular' },
      { locationId: 'L2', role: 'regular' },
    ]);
    assert.equal(after.active, false);
    assert.equal(ext.sso, true);
    assert.equal(ext.defaultLocationId, 'L2');
    assert.equal(ext.hostGroup, 'Reception');
  });

  it('a filter it cannot evaluate is refused (invalidPath), never guessed', () => {
    for (const path of [
      'emails[type ne "work"].value',
      'emails[type eq "work" or primary eq true]',
      'emails[value co "a"]',
    ])
      assert.throws(
        () => applyPatchLocally(user(), [{ op: 'replace', path, value: 'x' }]),
        (e: unknown) => e instanceof LocalPatchError && e.scimType === 'invalidPath',
        path,
      );
  });
});
