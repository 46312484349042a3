// The engine's translation of plans into Visitor's wire format: the smallest PATCH for each kind of
// change, and the create and location bodies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../engine/defaults';
import { createBody, locationBody, updateOperations } from '../../engine/visitor-mapping';
import { URN_VISITOR_USER } from '../../scim/wire';
import { engageLocation } from './fakes';

const noAccess = { add: [], setRole: [], remove: [] };
const paths = (ops: { op: string; path?: string }[]) => ops.map((o) => `${o.op} ${o.path}`);

describe('updateOperations', () => {
  it('changes userName and the work e-mail together, once, whichever of the two changed', () => {
    const both = updateOperations(
      [
        { attribute: 'userName', value: 'new@example.com' },
        { attribute: 'emails', value: 'new@example.com' },
      ],
      noAccess,
      'loc-1',
    );
    const emailOnly = updateOperations(
      [{ attribute: 'emails', value: 'new@example.com' }],
      noAccess,
      'loc-1',
    );
    for (const ops of [both, emailOnly])
      assert.deepEqual(paths(ops).slice(0, 2), ['replace userName', 'replace emails[type eq "work"].value']);
    assert.equal(both.length, emailOnly.length);
  });

  it('adds or removes phone numbers by type, sets sso, and groups simple attributes in one step', () => {
    const ops = updateOperations(
      [
        { attribute: 'phoneNumbers.mobile', value: '+33612345678' },
        { attribute: 'phoneNumbers.work', value: null },
        { attribute: 'sso', value: true },
        { attribute: 'title', value: null },
        { attribute: 'name.givenName', value: 'Ada' },
      ],
      noAccess,
      'loc-1',
      { reactivate: true },
    );
    assert.deepEqual(paths(ops), [
      'add phoneNumbers[type eq "mobile"].value',
      'remove phoneNumbers[type eq "work"]',
      `replace ${URN_VISITOR_USER}:sso`,
      'remove title',
      'replace name.givenName',
      `replace ${URN_VISITOR_USER}:defaultLocationId`,
      'replace active',
    ]);
  });

  it('always restates the default location, and nothing else when nothing changed', () => {
    assert.deepEqual(paths(updateOperations([], noAccess, 'loc-9')), [
      `replace ${URN_VISITOR_USER}:defaultLocationId`,
    ]);
  });
});

describe('bodies', () => {
  it('a created user carries the Engage id, the access list and the default location', () => {
    const access = new Map([['loc-1', 'admin' as const]]);
    const body = createBody(
      {
        externalId: '7',
        userName: 'a@example.com',
        email: 'a@example.com',
        givenName: 'A',
        familyName: 'B',
        workPhone: '+33100000000',
        sso: false,
      },
      access,
      'loc-1',
    );
    assert.equal(body.externalId, '7');
    assert.deepEqual(body.phoneNumbers, [{ value: '+33100000000', type: 'work' }]);
    assert.deepEqual(body[URN_VISITOR_USER]?.locationAccess, [{ locationId: 'loc-1', role: 'admin' }]);
    assert.equal(
      createBody(
        {
          ...body,
          ...{
            externalId: '8',
            userName: 'c@example.com',
            email: 'c@example.com',
            givenName: 'C',
            familyName: 'D',
            sso: false,
          },
        },
        access,
        'loc-1',
      )[URN_VISITOR_USER]?.locationAccess,
      body[URN_VISITOR_USER]?.locationAccess,
      'users with the same access map share one frozen list',
    );
  });

  it('a location without address parts sends no address', () => {
    const bare = locationBody(
      engageLocation(3, { address: null, city: null, country: null, timeZone: null }),
    );
    assert.equal(bare.address, undefined);
    assert.equal(bare.timeZone, undefined);
    assert.equal(locationBody(engageLocation(4)).address?.locality, 'Paris');
  });
});

describe('systemClock', () => {
  it('tells the wall-clock time', () => {
    const before = Date.now();
    const now = systemClock.now();
    assert.ok(now >= before && now <= Date.now());
  });
});
