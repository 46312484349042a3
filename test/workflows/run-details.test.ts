// workflows/run-details.ts: the one-line summary a run starts with and the details it keeps current
// in the Temporal UI — what they say in each phase, and that they stay one line / carry the commands.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countsLine,
  decisionDetails,
  invitationsDetails,
  pageSummary,
  runDetails,
  runSummary,
  userRunDetails,
} from '../../workflows/run-details';
import type { RunProgress } from '../../workflows/types';

const progress = (over: Partial<RunProgress> = {}): RunProgress => ({
  runId: 'acme.daily-sync-20261203T020000Z',
  kind: 'daily',
  phase: 'users',
  dryRun: false,
  pagesDone: 12,
  pagesTotal: 40,
  usersProcessed: 1234,
  counts: { created: 1000, updated: 200, unchanged: 0, failed: 34 },
  startedAt: '2026-12-03T02:00:00.000Z',
  elapsedMs: 30_000,
  usersPerSecond: 41.1,
  etaSeconds: 200,
  ...over,
});

describe('runSummary', () => {
  it('names the kind, the company, the options and who started it, on one line', () => {
    assert.equal(
      runSummary({
        kind: 'initial',
        tenant: 'acme',
        dryRun: true,
        invitations: 'delay 24h',
        startedBy: 'alice',
      }),
      'Initial sync (dry run) · company acme · invitations: delay 24h · started by alice',
    );
    assert.equal(
      runSummary({ kind: 'daily', full: true, startedBy: 'schedule' }),
      'Full reconcile · configured company · started by schedule',
    );
    assert.equal(
      runSummary({ kind: 'user', engageUserId: 3016, tenant: 'acme', startedBy: 'engage-scim' }),
      'Provisioning of one user (Engage id 3016) · company acme · started by engage-scim',
    );
    const long = runSummary({ kind: 'daily', startedBy: `a\nb ${'x'.repeat(400)}` });
    assert.ok(!long.includes('\n') && long.length <= 200 && long.endsWith('…'), long);
  });
});

describe('runDetails', () => {
  it('shows phase, pages, counts without zeros, rate and time left, and how to stop it', () => {
    const d = runDetails(progress(), { tenant: 'acme' });
    assert.match(d, /\*\*Phase:\*\* users/);
    assert.match(d, /\*\*Pages:\*\* 12 of 40 done/);
    assert.match(
      d,
      /1,234 processed — 1,000 created · 200 updated · 34 failed \(41\.1 users\/s\) · about 3 min left/,
    );
    assert.ok(!d.includes('unchanged'), 'a zero count is left out');
    assert.match(d, /`npm run log -- --run acme\.daily-sync-20261203T020000Z --status failed --tenant acme`/);
    assert.match(d, /`npm run sync -- stop acme\.daily-sync-20261203T020000Z --tenant acme --reason "…"`/);
  });

  it('a run waiting for a decision says how many deletions and the commands to answer', () => {
    const d = runDetails(progress({ phase: 'awaiting-approval', deletionsPending: 147, counts: {} }));
    assert.match(d, /147 deletions exceed the deletion budget/);
    assert.match(d, /`npm run sync -- approve acme\.daily-sync-20261203T020000Z`/);
    assert.match(d, /`npm run sync -- reject acme\.daily-sync-20261203T020000Z`/);
    assert.ok(!d.includes('--tenant'), 'the configured company needs no --tenant');
    assert.ok(!d.includes('Failed users'));
  });

  it('a stopping run shows why instead of how to stop it; a finished one offers nothing to do', () => {
    const stopping = runDetails(progress({ reason: 'stopped by bob: maintenance\nwindow' }));
    assert.match(stopping, /\*\*Stopping:\*\* stopped by bob: maintenance window/);
    assert.ok(!stopping.includes('Stop it'));
    const finished = runDetails(progress({ phase: 'finished', etaSeconds: null }));
    assert.ok(!finished.includes('Stop it') && !finished.includes('left'), finished);
  });

  it('an ended run leads with its outcome and why, and offers no stop', () => {
    const d = runDetails(progress({ phase: 'finished', etaSeconds: null, reason: 'stopped by bob: x' }), {
      outcome: { status: 'stopped', reason: 'stopped by bob: x' },
    });
    assert.ok(d.startsWith('**Outcome:** stopped — stopped by bob: x'), d);
    assert.ok(!d.includes('Stop it') && !d.includes('Stopping'), d);
    assert.ok(
      runDetails(progress({ phase: 'finished' }), { outcome: { status: 'completed' } }).startsWith(
        '**Outcome:** completed\n',
      ),
    );
  });

  it('counts line: outcomes in a fixed order, "none yet" when empty', () => {
    assert.equal(countsLine({ failed: 2, created: 1, held: 3 }), '1 created · 3 held · 2 failed');
    assert.equal(countsLine({}), 'none yet');
  });
});

describe('pageSummary', () => {
  it('names the id range a page covers, open at either end', () => {
    assert.equal(pageSummary({ afterId: 1000, upToId: 2000 }), 'Engage users with id 1001–2000');
    assert.equal(pageSummary({ afterId: null, upToId: 1000 }), 'Engage users with id ≤ 1000');
    assert.equal(pageSummary({ afterId: 2000, upToId: null }), 'Engage users with id > 2000 (the last page)');
    assert.equal(pageSummary({ afterId: null, upToId: null }), 'Engage users: all');
  });
});

describe('userRunDetails', () => {
  it('shows the passes and the last outcome while it runs, the outcome once ended, and where its log is', () => {
    const running = userRunDetails({ engageUserId: 3016, passes: 2, outcome: 'updated', tenant: 'acme' });
    assert.match(running, /\*\*Phase:\*\* provisioning/);
    assert.match(running, /\*\*Passes:\*\* 2 · last: updated/);
    assert.match(running, /`npm run log -- --user 3016 --tenant acme`/);
    const ended = userRunDetails({ engageUserId: 3016, passes: 1, outcome: 'failed', ended: true });
    assert.ok(ended.startsWith('**Outcome:** failed'), ended);
    assert.ok(!ended.includes('--tenant'));
    assert.match(userRunDetails({ engageUserId: 7, passes: 0 }), /\*\*Phase:\*\* starting/);
  });
});

describe('invitationsDetails', () => {
  const base = { runId: 'r1', dueAtMs: Date.parse('2026-12-05T02:00:00Z'), sent: 0, skipped: 0 };
  it('waiting: when the batch goes and how to send or drop it now', () => {
    const d = invitationsDetails({ ...base, state: 'waiting', tenant: 'acme' });
    assert.match(d, /\*\*Held until\*\* 2026-12-05T02:00:00Z/);
    assert.match(d, /`npm run sync -- invitations release r1 --tenant acme`/);
    assert.match(d, /`npm run sync -- invitations cancel r1 --tenant acme`/);
  });
  it('sending, then its outcome: sent or cancelled with the counts', () => {
    assert.match(
      invitationsDetails({ ...base, state: 'sending', sent: 1500, skipped: 2 }),
      /1,500 sent, 2 skipped so far/,
    );
    assert.match(
      invitationsDetails({ ...base, state: 'done', sent: 7, skipped: 1 }),
      /\*\*Outcome:\*\* sent — 7 sent, 1 skipped/,
    );
    assert.match(
      invitationsDetails({ ...base, state: 'done', sent: 3, skipped: 0, cancelled: 40 }),
      /\*\*Outcome:\*\* cancelled — 40 not sent, 3 sent before/,
    );
  });
});

describe('decisionDetails', () => {
  const base = {
    decisionId: 7,
    held: 147,
    expiresAtMs: Date.parse('2026-12-10T00:00:00Z'),
    applied: 0,
    stale: 0,
  };
  it('waiting: how many, until when, and the commands that answer (with --tenant)', () => {
    const d = decisionDetails({ ...base, state: 'waiting', tenant: 'acme' });
    assert.match(d, /147 deletions held past the deletion budget; unanswered by 2026-12-10T00:00:00Z/);
    assert.match(d, /`npm run sync -- approve --tenant acme`/);
    assert.match(d, /`npm run sync -- reject --tenant acme`/);
  });
  it('applying, then closed with who decided', () => {
    assert.match(
      decisionDetails({ ...base, state: 'applying', applied: 100, stale: 2, held: 45 }),
      /100 deleted, 2 back in Engage \(kept\), 45 to go/,
    );
    assert.match(
      decisionDetails({ ...base, state: 'done', applied: 145, stale: 2, outcome: 'approved by cli:ann' }),
      /\*\*Outcome:\*\* approved by cli:ann — 145 deleted, 2 kept/,
    );
  });
});
