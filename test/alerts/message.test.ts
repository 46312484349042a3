// The webhook body: one line for people with the command to run, the same alert as data, no PII.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../alerts/decide';
import { formatAge, webhookBody } from '../../alerts/message';

const at = new Date('2026-11-10T12:00:00Z');

describe('alerts: webhook body', () => {
  it('a failed run: company, what happened, the command to look at it', () => {
    const body = webhookBody({
      kind: 'run-failed',
      key: 'run-failed:daily-42',
      tenant: undefined,
      runId: 'daily-42',
      runKind: 'daily',
      dryRun: false,
      finishedAt: at,
    });
    assert.equal(
      body.text,
      '[engage-visitor-sync] the configured company: the daily run daily-42 failed — npm run log -- --run daily-42',
    );
    assert.deepEqual(body.evs, {
      version: 1,
      kind: 'run-failed',
      tenant: null,
      key: 'run-failed:daily-42',
      command: 'npm run log -- --run daily-42',
      runId: 'daily-42',
      runKind: 'daily',
      dryRun: false,
      finishedAt: '2026-11-10T12:00:00.000Z',
    });
    assert.doesNotMatch(body.text, /\n/);
  });

  it("a tenant's alert names it and its commands carry --tenant", () => {
    const cases: Alert[] = [
      {
        kind: 'awaiting-decision',
        key: 'awaiting:plan-review:r1',
        tenant: 'acme',
        type: 'plan-review',
        id: 'r1',
        since: at,
        expiresAt: null,
      },
      {
        kind: 'awaiting-decision',
        key: 'awaiting:deletions:7',
        tenant: 'acme',
        type: 'deletions',
        id: '7',
        since: at,
        expiresAt: new Date('2026-11-17T12:00:00Z'),
      },
      {
        kind: 'sync-stale',
        key: 'stale:d1:0',
        tenant: 'acme',
        lastSuccessRunId: 'd1',
        lastSuccessAt: at,
        intervalMs: 86_400_000,
        ageMs: 90_000_000,
      },
      { kind: 'users-quarantined', key: 'quarantined:2026-11-10:4', tenant: 'acme', count: 5 },
    ];
    const [review, deletions, stale, quarantined] = cases.map(webhookBody);
    assert.match(review!.text, /^\[engage-visitor-sync\] tenant acme: run r1 waits for a decision/);
    assert.match(review!.text, /npm run sync -- approve r1 --tenant acme \(or reject\)$/);
    assert.match(deletions!.text, /deletion decision 7 waits .* npm run sync -- approve --tenant acme/);
    assert.equal(deletions!.evs.decisionId, '7');
    assert.match(stale!.text, /succeeded for 1d 1h \(last: d1; the schedule runs every 1d 0h\)/);
    assert.match(stale!.text, /npm run sync -- status --tenant acme$/);
    assert.equal(stale!.evs.ageSeconds, 90_000);
    assert.match(quarantined!.text, /5 users are quarantined/);
    assert.equal(quarantined!.evs.count, 5);
    for (const b of [review, deletions, stale, quarantined]) assert.equal(b!.evs.tenant, 'acme');
  });

  it('formats ages for people', () => {
    assert.deepEqual(
      [formatAge(59_000), formatAge(61 * 60_000), formatAge(49 * 3_600_000)],
      ['0m', '1h 1m', '2d 1h'],
    );
  });
});
