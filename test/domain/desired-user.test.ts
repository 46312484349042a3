import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredVisitorUser } from '../../domain/desired-user';
import type { DesiredVisitorUser, EngageUser, Failure, Warning } from '../../domain/types';
import { engageUser } from './fixtures';

function okWithWarnings(overrides: Partial<EngageUser>): {
  user: DesiredVisitorUser;
  warnings: Pick<Warning, 'code' | 'attribute'>[];
} {
  const result = desiredVisitorUser(engageUser(overrides));
  assert.equal(result.ok, true, JSON.stringify(result));
  if (!result.ok) throw new Error('unreachable');
  return { user: result.user, warnings: result.warnings.map(({ code, attribute }) => ({ code, attribute })) };
}

function ok(overrides: Partial<EngageUser>): DesiredVisitorUser {
  return okWithWarnings(overrides).user;
}

/** With longValues 'refuse' (the behaviour before shortening, kept as a setting). */
function failures(overrides: Partial<EngageUser>): Pick<Failure, 'code' | 'attribute'>[] {
  const result = desiredVisitorUser(engageUser(overrides), { longValues: 'refuse' });
  assert.equal(result.ok, false);
  if (result.ok) throw new Error('unreachable');
  for (const f of result.failures) assert.ok(f.message.length > 0);
  return result.failures.map(({ code, attribute }) => ({ code, attribute }));
}

describe('desiredVisitorUser', () => {
  it('maps a complete user', () => {
    const user = ok({
      id: 7,
      workPhone: '+1 (415) 555-0132',
      sso: true,
    });
    assert.deepEqual(user, {
      externalId: '7',
      userName: 'ada.lovelace@example.com',
      email: 'ada.lovelace@example.com',
      givenName: 'Ada',
      familyName: 'Lovelace',
      mobilePhone: '+447700900123',
      workPhone: '+14155550132',
      title: 'Analyst',
      preferredLanguage: 'en-GB',
      sso: true,
    });
  });

  it('leaves optional attributes out (not undefined) when absent or unusable', () => {
    const user = ok({
      mobilePhone: '07700 900123',
      workPhone: null,
      jobTitle: '   ',
      preferredLanguage: 'English',
    });
    for (const key of ['mobilePhone', 'workPhone', 'title', 'preferredLanguage']) {
      assert.equal(Object.hasOwn(user, key), false, key);
    }
  });

  it('uses the e-mail when the username is not one, and email always equals userName', () => {
    const user = ok({ username: 'CORP\\ada', email: 'Ada@Corp.Example' });
    assert.equal(user.userName, 'Ada@Corp.Example');
    assert.equal(user.email, user.userName);
  });

  it('trims and NFC-normalises names', () => {
    assert.deepEqual(okWithWarnings({ givenName: '  Jose\u0301 ', familyName: '\tGarcía\n' }).warnings, []);
    const user = ok({ givenName: '  Jose\u0301 ', familyName: '\tGarcía\n' });
    assert.equal(user.givenName, 'José'.normalize('NFC'));
    assert.equal(user.familyName, 'García');
  });

  const validNames: [given: string, family: string][] = [
    ['山田', '太郎'],
    ['Дмитрий', 'Шостакович'],
    ['محمد', 'الأحمد'],
    ['Zoë 🌈', "O'Connor-Smith"],
    ['👩🏽‍💻', '🚀'],
  ];
  for (const [given, family] of validNames) {
    it(`accepts non-Latin and emoji names: ${given} ${family}`, () => {
      const user = ok({ givenName: given, familyName: family });
      assert.equal(user.givenName, given);
      assert.equal(user.familyName, family);
    });
  }

  const oneName: [name: string, given: string | null, family: string | null, expected: [string, string]][] = [
    ['only a given name fills both', 'Sukarno', null, ['Sukarno', 'Sukarno']],
    ['only a family name fills both', '  ', 'Suharto', ['Suharto', 'Suharto']],
  ];
  for (const [name, given, family, [expectedGiven, expectedFamily]] of oneName) {
    it(name, () => {
      const user = ok({ givenName: given, familyName: family });
      assert.equal(user.givenName, expectedGiven);
      assert.equal(user.familyName, expectedFamily);
    });
  }

  it('counts length in characters: 255 emoji are fine, 256 are too long', () => {
    assert.deepEqual(okWithWarnings({ givenName: '😀'.repeat(255) }), {
      user: ok({ givenName: '😀'.repeat(255) }),
      warnings: [],
    });
    assert.equal(ok({ givenName: '😀'.repeat(255) }).givenName.length, 510);
    assert.deepEqual(failures({ givenName: '😀'.repeat(256) }), [
      { code: 'value_too_long', attribute: 'name.givenName' },
    ]);
    assert.equal(ok({ givenName: '😀'.repeat(256) }).givenName, '😀'.repeat(255));
  });

  it('shortens an over-long name or title at a character boundary, with a warning naming the field', () => {
    const { user, warnings } = okWithWarnings({
      givenName: 'g'.repeat(300),
      familyName: `${'f'.repeat(254)}e\u0301`,
      jobTitle: `${'t'.repeat(254)}👩🏽\u200D💻`,
    });
    assert.equal(user.givenName, 'g'.repeat(255));
    assert.equal(user.familyName, `${'f'.repeat(254)}é`, 'NFC first: é is one character, it fits');
    assert.equal(user.title, 't'.repeat(254), 'the emoji sequence is left out whole');
    assert.deepEqual(warnings, [
      { code: 'value_shortened', attribute: 'name.givenName' },
      { code: 'value_shortened', attribute: 'title' },
    ]);
  });

  it('a long given name alone still provisions the person, under both names', () => {
    const { user } = okWithWarnings({ givenName: 'x'.repeat(300), familyName: null });
    assert.equal(user.givenName, 'x'.repeat(255));
    assert.equal(user.familyName, 'x'.repeat(255));
  });

  it('removes control and bidirectional characters from names and title, with a warning', () => {
    const { user, warnings } = okWithWarnings({
      givenName: 'Jane\r\nBcc: x@y.example',
      familyName: 'Doe\u202Efdp.exe',
      jobTitle: '\u2066Analyst\u2069',
    });
    assert.equal(user.givenName, 'Jane Bcc: x@y.example');
    assert.equal(user.familyName, 'Doefdp.exe');
    assert.equal(user.title, 'Analyst');
    assert.deepEqual(warnings, [
      { code: 'characters_removed', attribute: 'name.givenName' },
      { code: 'characters_removed', attribute: 'name.familyName' },
      { code: 'characters_removed', attribute: 'title' },
    ]);
  });

  it('a name of unsafe characters only counts as missing', () => {
    const { user } = okWithWarnings({ givenName: '\u202E\u0007', familyName: 'Plato' });
    assert.equal(user.givenName, 'Plato');
    assert.deepEqual(failures({ givenName: '\r\n', familyName: '\u202E' }), [
      { code: 'missing_name', attribute: 'name' },
    ]);
  });

  it('warnings name the field, never its value', () => {
    const result = desiredVisitorUser(
      engageUser({ givenName: 'Secretname'.repeat(30), familyName: 'Hidden\r\nvalue' }),
    );
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.equal(result.warnings.length, 2);
    for (const w of result.warnings) {
      assert.match(w.code, /^[a-z_]+$/);
      assert.ok(!/Secretname|Hidden/.test(w.message), w.message);
    }
  });

  it('surrounding whitespace is trimmed without a warning', () => {
    assert.deepEqual(okWithWarnings({ givenName: '\tAda\n', jobTitle: ' Analyst ' }).warnings, []);
  });

  it('measures length after trimming', () => {
    assert.equal(ok({ familyName: ` ${'x'.repeat(255)} ` }).familyName.length, 255);
  });

  const failing: [
    name: string,
    overrides: Partial<EngageUser>,
    expected: Pick<Failure, 'code' | 'attribute'>[],
  ][] = [
    ['no e-mail', { username: 'jdoe', email: null }, [{ code: 'missing_email', attribute: 'userName' }]],
    [
      'invalid e-mail',
      { username: 'jdoe', email: 'jdoe@' },
      [{ code: 'invalid_email', attribute: 'userName' }],
    ],
    ['no name at all', { givenName: null, familyName: ' ' }, [{ code: 'missing_name', attribute: 'name' }]],
    [
      '300-character names',
      { givenName: 'g'.repeat(300), familyName: 'f'.repeat(300) },
      [
        { code: 'value_too_long', attribute: 'name.givenName' },
        { code: 'value_too_long', attribute: 'name.familyName' },
      ],
    ],
    ['300-character title', { jobTitle: 't'.repeat(300) }, [{ code: 'value_too_long', attribute: 'title' }]],
    [
      'all failures are collected',
      { username: 'jdoe', email: null, givenName: null, familyName: null, jobTitle: 't'.repeat(256) },
      [
        { code: 'missing_email', attribute: 'userName' },
        { code: 'missing_name', attribute: 'name' },
        { code: 'value_too_long', attribute: 'title' },
      ],
    ],
  ];
  for (const [name, overrides, expected] of failing) {
    it(`fails: ${name}`, () => assert.deepEqual(failures(overrides), expected));
  }

  it('keeps PII out of failure codes and messages', () => {
    const result = desiredVisitorUser(
      engageUser({ username: 'secret-user', email: 'secret@', givenName: 'Z'.repeat(300) }),
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    for (const f of result.failures) {
      assert.match(f.code, /^[a-z_]+$/);
      assert.ok(!f.message.includes('secret'));
      assert.ok(!f.message.includes('ZZZ'));
    }
  });

  const languages: [raw: string | null, expected: string | undefined][] = [
    ['en', 'en'],
    ['en-GB', 'en-GB'],
    ['EN_gb', 'en-GB'],
    [' fr-ca ', 'fr-CA'],
    ['xx', undefined],
    ['eng', undefined],
    ['en-GBR', undefined],
    ['es-419', undefined],
    ['English', undefined],
    ['', undefined],
    [null, undefined],
  ];
  for (const [raw, expected] of languages) {
    it(`preferredLanguage ${JSON.stringify(raw)} → ${expected ?? 'dropped'}`, () => {
      assert.equal(ok({ preferredLanguage: raw }).preferredLanguage, expected);
    });
  }

  it('vendors and admins map the same way (type does not affect attributes)', () => {
    assert.deepEqual(ok({ userType: 'vendor' }), ok({ userType: 'global_admin' }));
  });
});
