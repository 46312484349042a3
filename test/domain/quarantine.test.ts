import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  nextAttemptDelayMs,
  QUARANTINE_AFTER,
} from '../../domain/quarantine';

const DAY = 86_400_000;

describe('nextAttemptDelayMs (quarantine back-off)', () => {
  it('retries at once until QUARANTINE_AFTER consecutive failures', () => {
    assert.equal(QUARANTINE_AFTER, 3);
    for (let n = 0; n < QUARANTINE_AFTER; n++) assert.equal(nextAttemptDelayMs(n), 0, `after ${n}`);
  });

  it('then backs off a day, doubling each failure', () => {
    assert.equal(BACKOFF_BASE_MS, DAY);
    assert.equal(nextAttemptDelayMs(3), DAY);
    assert.equal(nextAttemptDelayMs(4), 2 * DAY);
    assert.equal(nextAttemptDelayMs(5), 4 * DAY);
  });

  it('never waits more than a week, however many failures', () => {
    assert.equal(BACKOFF_MAX_MS, 7 * DAY);
    assert.equal(nextAttemptDelayMs(6), 7 * DAY);
    assert.equal(nextAttemptDelayMs(50), 7 * DAY);
    assert.equal(nextAttemptDelayMs(10_000), 7 * DAY); // 2 ** huge is Infinity: still capped
  });

  it('grows monotonically', () => {
    for (let n = 0; n < 40; n++) assert.ok(nextAttemptDelayMs(n + 1) >= nextAttemptDelayMs(n));
  });
});
