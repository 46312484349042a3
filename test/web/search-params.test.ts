// web/search-params.ts: what a query string means as a log search, and what it refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../web/http-error';
import { beforeParam, checkedParams, SEARCH_PARAMS, searchOf, timeParam } from '../../web/search-params';

const params = (q: string) => checkedParams(new URLSearchParams(q), [...SEARCH_PARAMS, 'before']);

describe('log search parameters', () => {
  it('reads a day as the whole UTC day, `to` included, and an ISO time to the millisecond', () => {
    const s = searchOf(params('from=2026-11-01&to=2026-11-02&user=%20ann%40example.com%20&status=failed'));
    assert.equal(s.from?.toISOString(), '2026-11-01T00:00:00.000Z');
    assert.equal(s.toExclusive?.toISOString(), '2026-11-03T00:00:00.000Z');
    assert.equal(s.user, 'ann@example.com');
    assert.equal(s.outcome, 'failed');
    assert.equal(
      timeParam(params('to=2026-11-01T10:00:00%2B02:00'), 'to', true)?.toISOString(),
      '2026-11-01T08:00:00.001Z',
    );
  });

  it('treats blank fields as unset', () => {
    assert.deepEqual(searchOf(params('user=&run=%20&from=')), {});
  });

  it('refuses with a 400 naming the parameter', () => {
    const refused = (q: string, re: RegExp) =>
      assert.throws(
        () => {
          const p = params(q);
          searchOf(p);
          beforeParam(p);
        },
        (e: unknown) => e instanceof HttpError && e.status === 400 && re.test(e.message),
      );
    refused('from=2026-13-01', /^from: "2026-13-01" is not a calendar day/);
    refused('to=tomorrow', /^to:/);
    refused('before=0', /^before:/);
    refused('before=12345678901234567890', /^before:/);
    refused('action=%3Cscript%3E', /^action:/);
    refused('limit=5', /^unknown parameter "limit"/);
  });
});
