import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codePointLength, shortenAtGraphemeBoundary, stripUnsafeCharacters } from '../../domain/display-text';

describe('shortenAtGraphemeBoundary', () => {
  it('leaves a value within the limit as it is', () => {
    assert.equal(shortenAtGraphemeBoundary('Ada', 3), 'Ada');
    assert.equal(shortenAtGraphemeBoundary('😀😀', 2), '😀😀', 'two code points, four UTF-16 units');
  });

  it('cuts plain text at the limit, counted in code points', () => {
    assert.equal(shortenAtGraphemeBoundary('x'.repeat(300), 255), 'x'.repeat(255));
    assert.equal(codePointLength(shortenAtGraphemeBoundary('😀'.repeat(300), 255)), 255);
  });

  it('never splits a surrogate pair at the cut', () => {
    // 'a' + 😀 (one code point, two UTF-16 units): a limit of 2 ends inside the pair in UTF-16 terms.
    const cut = shortenAtGraphemeBoundary(`a😀😀`, 2);
    assert.equal(cut, 'a😀');
    const shortened = shortenAtGraphemeBoundary(`${'x'.repeat(254)}😀tail`, 255);
    assert.equal(shortened, `${'x'.repeat(254)}😀`);
    assert.ok(!/[\uD800-\uDBFF]$/.test(shortened), 'no lone high surrogate at the end');
    assert.equal(shortenAtGraphemeBoundary(`${'x'.repeat(254)}😀`, 254), 'x'.repeat(254));
  });

  it('never strips a combining accent from its letter at the cut', () => {
    // e + U+0301 is one character (é) of two code points: a cut between them would drop the accent.
    const value = `${'x'.repeat(254)}e\u0301z`;
    assert.equal(shortenAtGraphemeBoundary(value, 255), 'x'.repeat(254), 'the whole é is left out');
    assert.equal(shortenAtGraphemeBoundary(value, 256), `${'x'.repeat(254)}e\u0301`);
  });

  it('never breaks an emoji ZWJ sequence or a skin-tone modifier at the cut', () => {
    const family = '👨\u200D👩\u200D👧'; // 5 code points, one character on screen
    assert.equal(codePointLength(family), 5);
    assert.equal(shortenAtGraphemeBoundary(`ab${family}`, 6), 'ab', 'not a man and a dangling joiner');
    assert.equal(shortenAtGraphemeBoundary(`ab${family}c`, 7), `ab${family}`);
    const coder = '👩🏽\u200D💻'; // woman, skin tone, ZWJ, laptop
    assert.equal(shortenAtGraphemeBoundary(`${coder}${coder}`, 6), coder);
  });

  it('drops the spaces a cut leaves at the end', () => {
    assert.equal(shortenAtGraphemeBoundary('Ada Lovelace', 4), 'Ada');
  });

  it('leaves nothing when a single character is longer than the limit', () => {
    assert.equal(shortenAtGraphemeBoundary('e\u0301\u0302\u0303', 2), '');
  });
});

describe('stripUnsafeCharacters', () => {
  it('turns line breaks and tabs into a space: no header injection through a name', () => {
    const cleaned = stripUnsafeCharacters('Jane\r\nBcc: attacker@example.com');
    assert.equal(cleaned, 'Jane Bcc: attacker@example.com');
    assert.ok(!/[\r\n]/.test(cleaned));
    assert.equal(stripUnsafeCharacters('Jane\tDoe\u2028Smith\u0085'), 'Jane Doe Smith ');
  });

  it('removes other C0 and C1 control characters and DEL', () => {
    assert.equal(stripUnsafeCharacters('A\u0000d\u0007a\u001b[31m\u007f\u009b'), 'Ada[31m');
  });

  it('removes bidirectional overrides, embeddings, isolates and marks (U+202E reverses a name)', () => {
    assert.equal(stripUnsafeCharacters('Ada\u202Ecod.exe'), 'Adacod.exe');
    assert.equal(
      stripUnsafeCharacters('\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u200E\u200F\u061CAda'),
      'Ada',
    );
  });

  it('keeps what names are made of: accents, scripts, emoji with their joiners', () => {
    for (const name of ['José', 'e\u0301', '山田 太郎', 'محمد', '👩🏽\u200D💻', "O'Connor-Smith", 'Zoë 🌈'])
      assert.equal(stripUnsafeCharacters(name), name);
  });
});
