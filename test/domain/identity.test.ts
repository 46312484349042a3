import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  IDENTITY_FAILURE_MESSAGES,
  identityKey,
  isEmailAddress,
  visitorUserName,
} from '../../domain/identity';
import { engageUser } from './fixtures';

describe('isEmailAddress', () => {
  const valid = [
    'ada@example.com',
    'Ada.Lovelace@Example.COM',
    'first.last+tag@sub.example.co.uk',
    "o'brien@example.ie",
    'x@a.io',
    'user@xn--bcher-kva.example',
    'user@example.xn--p1ai',
    `${'a'.repeat(64)}@example.com`,
  ];
  const invalid = [
    '',
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'ada@@example.com',
    'a@b@example.com',
    'ada lovelace@example.com',
    'ada@exa mple.com',
    '.ada@example.com',
    'ada.@example.com',
    'ada..l@example.com',
    'ada@-example.com',
    'ada@example-.com',
    'ada@example..com',
    'ada@example.c',
    'ada@example.123',
    'ada@[192.168.0.1]',
    '"ada"@example.com',
    'josé@example.com',
    'ada@bücher.example',
    'ada@example.com ',
    `${'a'.repeat(65)}@example.com`,
    `ada@${'a'.repeat(64)}.com`,
  ];
  for (const value of valid)
    it(`accepts ${JSON.stringify(value)}`, () => assert.equal(isEmailAddress(value), true));
  for (const value of invalid)
    it(`rejects ${JSON.stringify(value)}`, () => assert.equal(isEmailAddress(value), false));

  it('enforces 254 characters in total', () => {
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`; // 189 chars
    const at254 = `${'a'.repeat(64)}@${domain}`;
    assert.equal(at254.length, 254);
    assert.equal(isEmailAddress(at254), true);
    const at255 = `${'a'.repeat(64)}@${domain.replace('.com', '.comx')}`;
    assert.equal(at255.length, 255);
    assert.equal(isEmailAddress(at255), false);
  });
});

describe('visitorUserName', () => {
  const cases: {
    name: string;
    username: string;
    email: string | null;
    expected: { ok: true; userName: string } | { ok: false; reason: 'missing_email' | 'invalid_email' };
  }[] = [
    {
      name: 'username is an e-mail: it wins over a different e-mail',
      username: 'ada@corp.example',
      email: 'ada.lovelace@other.example',
      expected: { ok: true, userName: 'ada@corp.example' },
    },
    {
      name: 'username is an e-mail and there is no e-mail',
      username: 'ada@corp.example',
      email: null,
      expected: { ok: true, userName: 'ada@corp.example' },
    },
    {
      name: 'username not an e-mail: use the e-mail',
      username: 'CORP\\ada',
      email: 'ada@corp.example',
      expected: { ok: true, userName: 'ada@corp.example' },
    },
    {
      name: 'username with @ but no domain dot falls back to the e-mail',
      username: 'ada@corp',
      email: 'ada@corp.example',
      expected: { ok: true, userName: 'ada@corp.example' },
    },
    {
      name: 'whitespace around values is ignored, case is kept',
      username: ' jdoe ',
      email: '  John.Doe@Corp.Example ',
      expected: { ok: true, userName: 'John.Doe@Corp.Example' },
    },
    { name: 'no e-mail', username: 'jdoe', email: null, expected: { ok: false, reason: 'missing_email' } },
    {
      name: 'blank e-mail',
      username: 'jdoe',
      email: '   ',
      expected: { ok: false, reason: 'missing_email' },
    },
    {
      name: 'invalid e-mail',
      username: 'jdoe',
      email: 'john doe@corp',
      expected: { ok: false, reason: 'invalid_email' },
    },
    {
      name: 'internationalised e-mail is rejected',
      username: 'jdoe',
      email: 'jürgen@corp.example',
      expected: { ok: false, reason: 'invalid_email' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = visitorUserName(engageUser({ username: c.username, email: c.email }));
      if (c.expected.ok) {
        assert.deepEqual(result, c.expected);
      } else {
        assert.equal(result.ok, false);
        if (result.ok) return;
        assert.equal(result.reason, c.expected.reason);
        assert.equal(result.message, IDENTITY_FAILURE_MESSAGES[c.expected.reason]);
        assert.ok(!result.message.includes(c.email ?? '\u0000'), 'message must not echo the e-mail');
      }
    });
  }
});

describe('identityKey', () => {
  it('is equal for case-only differences', () => {
    assert.equal(identityKey('Ada.Lovelace@Example.com'), identityKey('ada.lovelace@EXAMPLE.COM'));
  });
  it('differs for different addresses', () => {
    assert.notEqual(identityKey('ada@example.com'), identityKey('ada1@example.com'));
  });
  it('trims', () => assert.equal(identityKey(' A@B.io '), 'a@b.io'));
});
