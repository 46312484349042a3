import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, fingerprint } from '../../domain/fingerprint';
import type { DesiredVisitorUser, Role } from '../../domain/types';

const user: DesiredVisitorUser = {
  externalId: '42',
  userName: 'ada@example.com',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  sso: false,
};
const access = new Map<string, Role>([
  ['d', 'admin'],
  ['a', 'regular'],
]);

describe('canonicalJson', () => {
  const cases: [value: unknown, expected: string][] = [
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ z: { y: 1, x: 2 } }, '{"z":{"x":2,"y":1}}'],
    [{ a: undefined, b: 2 }, '{"b":2}'],
    [[undefined], '[null]'],
    ['é😀', '"é😀"'],
  ];
  for (const [value, expected] of cases) {
    it(expected, () => assert.equal(canonicalJson(value), expected));
  }
});

describe('fingerprint', () => {
  const fp = fingerprint(user, access, 'd');

  it('is 16 lowercase hex characters', () => assert.match(fp, /^[0-9a-f]{16}$/));

  it('is stable across property and map insertion order', () => {
    const reordered = {
      sso: false,
      familyName: 'Lovelace',
      givenName: 'Ada',
      email: 'ada@example.com',
      userName: 'ada@example.com',
      externalId: '42',
    };
    const reversed = new Map([...access].reverse());
    assert.equal(fingerprint(reordered, reversed, 'd'), fp);
  });

  it('treats an absent optional attribute like an undefined one', () => {
    assert.equal(fingerprint({ ...user, title: undefined }, access, 'd'), fp);
  });

  const changes: [name: string, other: string][] = [
    ['given name', fingerprint({ ...user, givenName: 'Adah' }, access, 'd')],
    ['case of userName', fingerprint({ ...user, userName: 'Ada@example.com' }, access, 'd')],
    ['optional attribute added', fingerprint({ ...user, title: 'Analyst' }, access, 'd')],
    ['sso', fingerprint({ ...user, sso: true }, access, 'd')],
    ['role', fingerprint(user, new Map([...access, ['d', 'regular']]), 'd')],
    ['extra location', fingerprint(user, new Map([...access, ['b', 'regular']]), 'd')],
    ['default location', fingerprint(user, access, 'a')],
  ];
  for (const [name, other] of changes) {
    it(`changes when the ${name} changes`, () => assert.notEqual(other, fp));
  }
});
