import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, fingerprint, sameData } from '../../domain/fingerprint';
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

// The first, plainly written canonical form: stored fingerprints were made with it, so the faster
// code must produce the very same strings (or every user would look changed after an upgrade).
function referenceCanonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => referenceCanonical(v)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${referenceCanonical(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Small random plain data, seeded, with the cases that matter: undefined vs null vs absent. */
function randomData(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 8));
  const leaves = [undefined, null, true, 'é"\\x', 0, 'b'];
  if (pick < 6) return pick === 4 ? Math.round(next() * 100) - 50 : leaves[pick];
  if (pick === 6) return Array.from({ length: Math.floor(next() * 3) }, () => randomData(next, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of ['b', 'a', 'é', 'a b'].slice(0, Math.floor(next() * 5)))
    out[k] = randomData(next, depth + 1);
  return out;
}
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe('canonicalJson matches the reference form', () => {
  it('on 2,000 random values', () => {
    const next = seeded(7);
    for (let i = 0; i < 2000; i++) {
      const v = randomData(next);
      assert.equal(canonicalJson(v), referenceCanonical(v), JSON.stringify(v));
    }
  });

  it('so fingerprints stored before the rewrite still match', () => {
    const sorted = JSON.stringify([...access].sort(([a], [b]) => (a < b ? -1 : 1)));
    const digest = createHash('sha256').update(sorted).digest('hex');
    const content = referenceCanonical({ v: 2, user, access: digest, defaultLocationId: 'd' });
    const expected = createHash('sha256').update(content).digest('hex').slice(0, 16);
    assert.equal(fingerprint(user, access, 'd'), expected);
  });
});

describe('sameData', () => {
  it('agrees with comparing canonical forms, on 5,000 random pairs', () => {
    const next = seeded(11);
    let equal = 0;
    for (let i = 0; i < 5000; i++) {
      const a = randomData(next);
      const b = next() < 0.5 ? structuredClone(a) : randomData(next);
      const expected = referenceCanonical(a) === referenceCanonical(b);
      if (expected) equal++;
      assert.equal(sameData(a, b), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    // Both answers must have been exercised.
    assert.ok(equal > 500 && equal < 4500, `equal pairs: ${equal}`);
  });

  it('treats an undefined property as absent, but not a null one', () => {
    assert.equal(sameData({ ...user, title: undefined }, user), true);
    assert.equal(sameData({ ...user, title: null }, user), false);
    assert.equal(sameData({ ...user, title: 'x' }, user), false);
    assert.equal(sameData(user, { ...user, title: undefined }), true);
  });
});
