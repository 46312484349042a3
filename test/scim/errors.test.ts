import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../activities/failures';
import { FAILURE_TYPES } from '../../domain/failure-types';
import {
  errorForStatus,
  parseRetryAfter,
  VisitorAuthError,
  VisitorConflictError,
  VisitorInvalidRequestError,
  VisitorNetworkError,
  VisitorNotFoundError,
  VisitorNotImplementedError,
  VisitorPreconditionFailedError,
  VisitorProtocolError,
  VisitorRateLimitedError,
  VisitorRejectedError,
  VisitorServerError,
  VisitorTimeoutError,
} from '../../scim/errors';

const at = { method: 'PATCH', route: '/Users/{id}' };

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(' 0 '), 0);
  });
  it('reads an HTTP-date relative to now', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a past date means now');
  });
  it('ignores absent and malformed values', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter('-1'), undefined);
  });
});

describe('errorForStatus', () => {
  const cases: [number, new (...args: never[]) => Error, boolean][] = [
    [400, VisitorRejectedError, false],
    [401, VisitorAuthError, false],
    [403, VisitorAuthError, false],
    [404, VisitorNotFoundError, false],
    [408, VisitorServerError, true],
    [409, VisitorConflictError, false],
    [412, VisitorPreconditionFailedError, false],
    [429, VisitorRateLimitedError, true],
    [500, VisitorServerError, true],
    // A target that does not implement a method (PATCH) will not on a retry.
    [501, VisitorNotImplementedError, false],
    [503, VisitorServerError, true],
  ];
  for (const [status, cls, retryable] of cases) {
    it(`${status} → ${cls.name} (retryable ${retryable})`, () => {
      const err = errorForStatus({ ...at, status });
      assert.ok(err instanceof cls);
      assert.equal(err.retryable, retryable);
      assert.equal(err.status, status);
      assert.equal(err.route, '/Users/{id}');
    });
  }
  it('other 4xx are permanent generic errors', () => {
    const err = errorForStatus({ ...at, status: 415 });
    assert.equal(err.name, 'VisitorScimError');
    assert.equal(err.retryable, false);
  });
  it('carries Retry-After on 429 and 503', () => {
    assert.equal((errorForStatus({ ...at, status: 429 }, '7') as VisitorRateLimitedError).retryAfterMs, 7000);
    assert.equal((errorForStatus({ ...at, status: 503 }, '2') as VisitorServerError).retryAfterMs, 2000);
  });
  it('the auth message tells the operator what to check', () => {
    const err = errorForStatus({ ...at, status: 401 });
    assert.match(err.message, /Visitor rejected the SCIM token \(401\): check VISITOR_SCIM_TOKEN/);
  });
});

describe('toActivityFailure', () => {
  it('auth → non-retryable VisitorAuthError', () => {
    const f = toActivityFailure(new VisitorAuthError({ ...at, status: 401 }));
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.nonRetryable, true);
    assert.equal(f.type, 'VisitorAuthError');
  });
  it('400 → non-retryable VisitorRejected with scimType, detail, status', () => {
    const f = toActivityFailure(
      new VisitorRejectedError({ ...at, status: 400, scimType: 'invalidValue', detail: 'bad phone' }),
    );
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.nonRetryable, true);
    assert.equal(f.type, FAILURE_TYPES.visitorRejected);
    assert.deepEqual(f.details?.[0], {
      scimType: 'invalidValue',
      detail: 'bad phone',
      status: 400,
      method: 'PATCH',
      route: '/Users/{id}',
    });
  });
  it('a body refused before sending is a rejection too', () => {
    const f = toActivityFailure(
      new VisitorInvalidRequestError({ ...at, scimType: 'invalidValue', detail: 'x' }),
    );
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.type, 'VisitorRejected');
    assert.equal(f.nonRetryable, true);
  });
  it('429 with Retry-After → retryable with nextRetryDelay', () => {
    const f = toActivityFailure(new VisitorRateLimitedError({ ...at, status: 429 }, 4000));
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.nonRetryable, false);
    assert.equal(f.type, 'VisitorRateLimitedError');
    assert.equal(f.nextRetryDelay, 4000);
  });
  it('5xx, network and time-out → retryable, Temporal picks the delay', () => {
    for (const err of [
      new VisitorServerError({ ...at, status: 502 }),
      new VisitorNetworkError(at, 'ECONNRESET'),
      new VisitorTimeoutError(at, 100),
    ]) {
      const f = toActivityFailure(err);
      assert.ok(f instanceof ApplicationFailure);
      assert.equal(f.nonRetryable, false, err.name);
      assert.equal(f.type, err.name);
      assert.equal(f.nextRetryDelay, undefined);
    }
  });
  it('404, 409, 412 and protocol errors are not retried as they are', () => {
    const cases: [Error, string][] = [
      [new VisitorNotFoundError({ ...at, status: 404 }), 'VisitorNotFound'],
      [new VisitorConflictError({ ...at, status: 409, scimType: 'uniqueness' }), 'VisitorConflict'],
      [new VisitorPreconditionFailedError({ ...at, status: 412 }), 'VisitorPreconditionFailed'],
      [new VisitorProtocolError({ ...at, status: 200 }), 'VisitorProtocolError'],
    ];
    for (const [err, type] of cases) {
      const f = toActivityFailure(err);
      assert.ok(f instanceof ApplicationFailure);
      assert.equal(f.type, type);
      assert.equal(f.nonRetryable, true);
    }
  });
  it('leaves foreign errors alone', () => {
    const err = new TypeError('boom');
    assert.equal(toActivityFailure(err), err);
  });
});
