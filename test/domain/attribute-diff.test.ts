import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ATTRIBUTE_ORDER,
  type AttributeChange,
  changedAttributes,
  driftedAttributes,
  type VisitorUserSnapshot,
} from '../../domain/attribute-diff';
import type { DesiredVisitorUser } from '../../domain/types';

const base: DesiredVisitorUser = {
  externalId: '42',
  userName: 'ada@example.com',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  mobilePhone: '+447700900123',
  title: 'Analyst',
  preferredLanguage: 'en-GB',
  sso: false,
};

function without(u: DesiredVisitorUser, key: 'mobilePhone' | 'workPhone' | 'title' | 'preferredLanguage') {
  const copy = { ...u };
  delete copy[key];
  return copy;
}

describe('changedAttributes', () => {
  const cases: [name: string, next: DesiredVisitorUser, expected: AttributeChange[]][] = [
    ['identical', { ...base }, []],
    [
      'e-mail change updates userName and emails, nothing else',
      { ...base, userName: 'ada.king@example.com', email: 'ada.king@example.com' },
      [
        { attribute: 'userName', value: 'ada.king@example.com' },
        { attribute: 'emails', value: 'ada.king@example.com' },
      ],
    ],
    [
      'case-only e-mail change is still sent',
      { ...base, userName: 'Ada@Example.com', email: 'Ada@Example.com' },
      [
        { attribute: 'userName', value: 'Ada@Example.com' },
        { attribute: 'emails', value: 'Ada@Example.com' },
      ],
    ],
    ['family name', { ...base, familyName: 'King' }, [{ attribute: 'name.familyName', value: 'King' }]],
    [
      'phone removed → null',
      without(base, 'mobilePhone'),
      [{ attribute: 'phoneNumbers.mobile', value: null }],
    ],
    [
      'work phone added',
      { ...base, workPhone: '+14155550132' },
      [{ attribute: 'phoneNumbers.work', value: '+14155550132' }],
    ],
    ['title removed', without(base, 'title'), [{ attribute: 'title', value: null }]],
    [
      'language changed',
      { ...base, preferredLanguage: 'fr' },
      [{ attribute: 'preferredLanguage', value: 'fr' }],
    ],
    ['sso switched on', { ...base, sso: true }, [{ attribute: 'sso', value: true }]],
    ['externalId is not a SCIM update', { ...base, externalId: '43' }, []],
    [
      'several changes come in the fixed order',
      { ...base, sso: true, title: 'Countess', givenName: 'Augusta' },
      [
        { attribute: 'name.givenName', value: 'Augusta' },
        { attribute: 'title', value: 'Countess' },
        { attribute: 'sso', value: true },
      ],
    ],
  ];
  for (const [name, next, expected] of cases) {
    it(name, () => assert.deepEqual(changedAttributes(base, next), expected));
  }

  it('previous null: every attribute with a value, sso included', () => {
    const result = changedAttributes(null, base);
    assert.deepEqual(
      result.map((c) => c.attribute),
      ATTRIBUTE_ORDER.filter((a) => a !== 'phoneNumbers.work'),
    );
    assert.ok(result.every((c) => c.value !== null));
  });
});

describe('driftedAttributes', () => {
  const inSync: VisitorUserSnapshot = {
    userName: 'ADA@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'old@example.com', type: 'home', primary: false },
      { value: 'Ada@Example.com', type: 'work', primary: true },
    ],
    phoneNumbers: [
      { value: '+44 7700 900123', type: 'mobile' },
      { value: '', type: 'work' },
    ],
    title: 'Analyst',
    preferredLanguage: 'en-gb',
    sso: false,
  };

  const cases: [name: string, actual: VisitorUserSnapshot, expected: AttributeChange[]][] = [
    ['in sync despite case and formatting differences', inSync, []],
    [
      'userName differs',
      { ...inSync, userName: 'someone@example.com' },
      [{ attribute: 'userName', value: 'ada@example.com' }],
    ],
    [
      'given name edited by hand',
      { ...inSync, name: { givenName: 'Adah', familyName: 'Lovelace' } },
      [{ attribute: 'name.givenName', value: 'Ada' }],
    ],
    [
      'no name at all in Visitor',
      { ...inSync, name: null },
      [
        { attribute: 'name.givenName', value: 'Ada' },
        { attribute: 'name.familyName', value: 'Lovelace' },
      ],
    ],
    [
      'primary e-mail is the one compared',
      {
        ...inSync,
        emails: [
          { value: 'ada@example.com', type: 'work', primary: false },
          { value: 'x@example.com', primary: true },
        ],
      },
      [{ attribute: 'emails', value: 'ada@example.com' }],
    ],
    [
      'no primary flag: the work e-mail is compared',
      { ...inSync, emails: [{ value: 'ada@example.com', type: 'work' }] },
      [],
    ],
    [
      'a work phone Visitor has but the sync does not want is removed',
      {
        ...inSync,
        phoneNumbers: [
          { value: '+447700900123', type: 'mobile' },
          { value: '+3225550123', type: 'work' },
        ],
      },
      [{ attribute: 'phoneNumbers.work', value: null }],
    ],
    [
      'missing mobile is restored',
      { ...inSync, phoneNumbers: [] },
      [{ attribute: 'phoneNumbers.mobile', value: '+447700900123' }],
    ],
    ['empty title counts as absent', { ...inSync, title: '' }, [{ attribute: 'title', value: 'Analyst' }]],
    ['sso unknown is not compared', { ...inSync, sso: null }, []],
    ['sso differs', { ...inSync, sso: true }, [{ attribute: 'sso', value: false }]],
  ];
  for (const [name, actual, expected] of cases) {
    it(name, () => assert.deepEqual(driftedAttributes(base, actual), expected));
  }

  it('title Visitor has but the sync does not want is removed', () => {
    assert.deepEqual(driftedAttributes(without(base, 'title'), inSync), [
      { attribute: 'title', value: null },
    ]);
  });
});
