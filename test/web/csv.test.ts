// web/csv.ts: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, csvLine } from '../../web/csv';

describe('log CSV', () => {
  it('prefixes a cell that starts like a formula with a quote mark', () => {
    for (const s of ['=1+2', '+31 20 123', '-2', '@SUM(A1)', '\t=cmd', '\r=cmd'])
      assert.ok(csvCell(s).replace(/^"/, '').startsWith(`'${s[0]}`), JSON.stringify(csvCell(s)));
    assert.equal(csvCell('ann@example.com'), 'ann@example.com');
    assert.equal(csvCell('a=b'), 'a=b');
  });

  it('quotes commas, quotes and line breaks; nothing is an empty cell', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvLine([1, null, undefined, 'x']), '1,,,x\r\n');
  });
});
