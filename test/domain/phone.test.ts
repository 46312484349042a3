import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toE164 } from '../../domain/phone';

describe('toE164', () => {
  const cases: [raw: string | null, expected: string | null, why: string][] = [
    [null, null, 'no number'],
    ['', null, 'empty'],
    ['+447700900123', '+447700900123', 'already E.164'],
    ['+44 7700 900123', '+447700900123', 'spaces'],
    ['+1 (415) 555-0132', '+14155550132', 'parentheses and dash'],
    ['+32.2.555.01.23', '+3225550123', 'dots'],
    ['+33\u00a01\u00a023\u00a045\u00a067\u00a089', '+33123456789', 'NBSP'],
    ['+49\u202f30\u2013123456', '+4930123456', 'narrow NBSP and en dash'],
    ['+44 (0)20 7946 0958', '+442079460958', 'bracketed trunk zero is dropped, not kept'],
    ['  +81 3-1234-5678  ', '+81312345678', 'surrounding whitespace'],
    ['+1234567', '+1234567', '7 digits: shortest allowed'],
    ['+123456', null, '6 digits: too short'],
    ['+123456789012345', '+123456789012345', '15 digits: longest allowed'],
    ['+1234567890123456', null, '16 digits: too long'],
    ['+0447700900123', null, 'country code cannot start with 0'],
    ['07700 900123', null, 'UK local format: never guessed'],
    ['(415) 555-0132', null, 'US local format: never guessed'],
    ['0044 7700 900123', null, '00 prefix is not read as +'],
    ['447700900123', null, 'no plus'],
    ['++447700900123', null, 'double plus'],
    ['+44 7700 900123 ext. 12', null, 'extension'],
    ['+44 7700 900123 x12', null, 'extension x'],
    ['+44/7700/900123', null, 'slashes are not separators'],
    ['+４４７７００９００１２３', null, 'fullwidth digits'],
    ['tel:+447700900123', null, 'URI form'],
    ['+44 7700 9OO123', null, 'letter O for zero'],
  ];
  for (const [raw, expected, why] of cases) {
    it(`${why}: ${JSON.stringify(raw)}`, () => assert.equal(toE164(raw), expected));
  }
});
