// What operators read: the progress line, durations, tables and the closing summary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  countsSummary,
  formatDuration,
  formatInterval,
  formatTime,
  renderProgress,
  table,
  workflowUrl,
  wrapText,
} from '../../clients/format';
import { invitationsWorkflowId, userWorkflowId } from '../../clients/ids';
import { detailText } from '../../clients/log-table';
import { exitCodeOf, runSummary } from '../../clients/summary';
import type { RunProgress } from '../../workflows/types';

const progress = (over: Partial<RunProgress> = {}): RunProgress => ({
  runId: 'initial-sync-20250101-120000',
  kind: 'initial',
  phase: 'users',
  dryRun: false,
  pagesDone: 10,
  pagesTotal: 40,
  usersProcessed: 5000,
  counts: { created: 4000, unchanged: 990, failed: 10 },
  startedAt: '2025-01-01T12:00:00.000Z',
  elapsedMs: 60_000,
  usersPerSecond: 83.3,
  etaSeconds: 180,
  ...over,
});

test('renderProgress shows phase, a bar filled by pages, users, outcomes, rate and ETA', () => {
  const line = renderProgress(progress(), 140);
  assert.ok(line.length <= 140, line);
  assert.match(line, /^users {2}\[/);
  assert.match(line, /10\/40 pages/);
  assert.match(line, /5,000 users/);
  assert.match(line, /created 4,000, unchanged 990, failed 10/);
  assert.match(line, /83\.3\/s/);
  assert.match(line, /ETA 3m 00s$/);
  const bar = /\[(#*)(-*)\]/.exec(line)!;
  const cells = bar[1]!.length + bar[2]!.length;
  assert.equal(bar[1]!.length, Math.round(cells / 4), 'a quarter of the pages → a quarter of the bar');
});

test('renderProgress fits narrow terminals: the bar shrinks, then counts go, then the line is cut', () => {
  const wide = renderProgress(progress(), 200);
  const medium = renderProgress(progress(), 80);
  const narrow = renderProgress(progress(), 30);
  assert.ok(medium.length <= 80, medium);
  assert.ok(narrow.length <= 30, narrow);
  assert.match(wide, /created 4,000/);
  assert.doesNotMatch(medium, /created/);
  assert.match(medium, /\[#+-+\]/);
  assert.match(narrow, /…$/);
  // Never wider than the bar's maximum, however wide the terminal.
  assert.ok((/\[[#-]+\]/.exec(renderProgress(progress(), 1000))?.[0].length ?? 0) <= 32);
});

test('renderProgress marks dry runs, waiting for approval, unknown ETA, and a full bar when done', () => {
  assert.match(renderProgress(progress({ dryRun: true }), 150), /^DRY RUN users {2}/);
  const waiting = renderProgress(
    progress({ phase: 'awaiting-approval', pagesDone: 40, deletionsPending: 1200, etaSeconds: null }),
    150,
  );
  assert.match(waiting, /^AWAITING APPROVAL {2}\[#+\]/);
  assert.match(waiting, /1,200 deletions wait for approve\/reject$/);
  assert.match(
    renderProgress(progress({ phase: 'planning', etaSeconds: null, pagesTotal: 0, pagesDone: 0 }), 150),
    /ETA -$/,
  );
  assert.match(
    renderProgress(progress({ phase: 'finished', pagesDone: 40, etaSeconds: null }), 150),
    /\[#+\].* done$/,
  );
});

test('durations and intervals read as people write them', () => {
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(42_000), '42s');
  assert.equal(formatDuration(320_000), '5m 20s');
  assert.equal(formatDuration(2 * 3_600_000 + 5 * 60_000), '2h 05m');
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 4h');
  assert.equal(formatDuration(-1), '-');
  assert.equal(formatInterval(86_400_000), '24h');
  assert.equal(formatInterval(2 * 86_400_000), '2d');
  assert.equal(formatInterval(90 * 60_000), '90m');
});

test('countsSummary lists non-zero outcomes in reading order', () => {
  assert.equal(
    countsSummary({ failed: 2, created: 1500, unchanged: 0, updated: 3 }),
    'created 1,500, updated 3, failed 2',
  );
  assert.equal(countsSummary({}), '-');
  assert.equal(countsSummary({ zeta: 1, created: 1 }), 'created 1, zeta 1');
});

test('table aligns columns, right-aligns numbers and wraps long cells, never cutting them', () => {
  const out = table(
    [
      { name: 'alice@example.com', n: 5, why: 'visitor_conflict: another user holds it' },
      { name: 'b', n: 12345, why: '' },
    ],
    [
      { header: 'user', value: (r) => r.name, max: 8 },
      { header: 'count', value: (r) => String(r.n), align: 'right' },
      { header: 'reason', value: (r) => r.why, max: 20 },
    ],
  );
  assert.equal(
    out,
    [
      'user      count  reason',
      '--------  -----  ------------------',
      'alice@ex      5  visitor_conflict:',
      'ample.co         another user holds',
      'm                it',
      'b         12345',
    ].join('\n'),
  );
});

test('wrapText breaks at spaces, splits only words longer than the width, keeps every character', () => {
  assert.deepEqual(wrapText('created 1,234, updated 56, failed 7', 14), [
    'created 1,234,',
    'updated 56,',
    'failed 7',
  ]);
  assert.deepEqual(wrapText('provision-user-3016-ca840f3e', 10), ['provision-', 'user-3016-', 'ca840f3e']);
  assert.deepEqual(wrapText('', 10), ['']);
  const text = 'a bb ccc dddd eeeee ffffff';
  assert.equal(wrapText(text, 4).join(' ').replace(/ /g, ''), text.replace(/ /g, ''));
});

test('workflowUrl points into the namespace in the Temporal UI', () => {
  assert.equal(
    workflowUrl('http://127.0.0.1:8233/', 'default', 'initial-sync-20250101-120000'),
    'http://127.0.0.1:8233/namespaces/default/workflows/initial-sync-20250101-120000',
  );
});

test('the run summary names what needs attention and the exit code follows the status', () => {
  const text = runSummary(
    {
      runId: 'r1',
      status: 'completed',
      counts: { created: 10, failed: 2 },
      deletions: { pending: 3, applied: 3, rejected: 0 },
      invitationsWorkflowId: 'invitations-r1',
    },
    { durationMs: 65_000, link: 'http://ui/x', dryRun: true },
  );
  assert.match(text, /^Run r1: completed in 1m 05s \(dry run\)$/m);
  assert.match(text, /users: +created 10, failed 2/);
  assert.match(text, /deletions: +3 held → 3 applied, 0 rejected/);
  assert.match(text, /npm run sync -- invitations status r1/);
  assert.match(text, /npm run log -- --run r1 --status failed/);
  assert.match(text, /npm run sync -- plan r1/);
  assert.match(text, /Temporal UI: http:\/\/ui\/x/);
  assert.equal(exitCodeOf({ runId: 'r', status: 'completed', counts: {} }), 0);
  for (const status of ['failed', 'stopped', 'skipped'] as const)
    assert.equal(exitCodeOf({ runId: 'r', status, counts: {} }), 1);
});

test('log detail shows the reason or the SCIM error, else each other field by name', () => {
  assert.equal(detailText({ reason: 'left Engage' }), 'left Engage');
  assert.equal(
    detailText({
      reason: 'Visitor rejected the request',
      status: 400,
      scimType: 'invalidValue',
      detail: 'bad phone',
    }),
    'Visitor rejected the request — SCIM 400 invalidValue: bad phone',
  );
  assert.equal(detailText({ other: 'x', n: { a: 1 } }), 'other: x — n: {"a":1}');
  assert.equal(detailText(null), '');
});

test('a failure reads as its code and message; an update as old → new values', () => {
  assert.equal(
    detailText({
      code: 'visitor_conflict',
      reason: 'Visitor reports a conflict',
      status: 409,
      scimType: 'uniqueness',
    }),
    'visitor_conflict: Visitor reports a conflict — SCIM 409 uniqueness',
  );
  assert.equal(
    detailText({
      failures: [
        { code: 'missing_email', message: 'the user has no e-mail address' },
        { code: 'value_too_long', attribute: 'title', message: 'longer than Visitor accepts' },
      ],
    }),
    'missing_email: the user has no e-mail address — value_too_long: longer than Visitor accepts (title)',
  );
  assert.equal(
    detailText({
      changes: {
        'name.familyName': { from: 'Lee', to: 'Lee-Park' },
        title: { from: null, to: 'Engineer' },
        sso: { from: false, to: true },
      },
      access: { added: 2, roleChanged: 0, removed: 1 },
    }),
    'name.familyName: "Lee" → "Lee-Park" — title: (none) → "Engineer" — sso: false → true — locations: 2 added, 1 removed',
  );
});

test("a dry run's plan entries show who gets an invitation, and not the digest they are compared on", () => {
  assert.equal(detailText({ plan: '4b24996632ac883a' }), '');
  assert.equal(detailText({ plan: 'p', invitation: 'now' }), 'invitation: now');
  assert.equal(detailText({ plan: 'p', invitation: 'delayed:172800000' }), 'invitation: in 2d 0h');
  assert.equal(detailText({ reason: 'adopt', invitation: 'none' }), 'adopt — invitation: none');
});

test('the CLI addresses per-user and invitation workflows by the ids the workflows use', () => {
  // Must match provisionUserWorkflowId in workflows/provision-user.ts and the run's invitations child.
  assert.equal(userWorkflowId(7), 'provision-user-7');
  assert.equal(
    invitationsWorkflowId('initial-sync-20250101-120000'),
    'invitations-initial-sync-20250101-120000',
  );
});

test('times carry their zone: UTC, or the local offset', () => {
  const d = new Date('2026-12-03T15:16:26Z');
  const off = -d.getTimezoneOffset();
  const shown = formatTime(d);
  if (off === 0) assert.equal(shown, '2026-12-03 15:16:26 UTC');
  else assert.match(shown, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}$/);
  assert.equal(formatTime(d, true), '2026-12-03 15:16:26Z');
  assert.equal(formatTime(null), '-');
});

test('a local offset is shown as ±hh:mm (TZ=Asia/Kolkata in a child process)', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "import('./clients/format.ts').then((m) => console.log(m.formatTime(new Date('2026-12-03T15:16:26Z'))))",
    ],
    { env: { ...process.env, TZ: 'Asia/Kolkata' }, encoding: 'utf8' },
  );
  assert.equal(r.stdout.trim(), '2026-12-03 20:46:26 +05:30', r.stderr);
});
