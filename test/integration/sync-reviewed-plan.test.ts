// Onboarding applies what was reviewed (issue 16): an initial sync given a reviewed dry run checks a
// fresh plan against it and writes only if they agree; a change in Engage or Visitor since the review
// refuses the run with nothing written, and `plan --against` lists what changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliContext } from '../../clients/context';
import { locationsAcceptCommand } from '../../clients/sync/locations';
import { planCommand } from '../../clients/sync/plan';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const HQ = { name: 'Head Office', address: { streetAddress: '0 High Street', locality: 'City 0' } };

async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const log = console.log;
  let out = '';
  console.log = (...args: unknown[]) => {
    out += `${args.join(' ')}\n`;
  };
  try {
    return { value: await fn(), out };
  } finally {
    console.log = log;
  }
}

test('reviewed, confirmed, applied: the run writes what the dry run planned (adoptions included)', async () => {
  const h = await SyncHarness.create('reviewed_ok', { emulator: { defaultLocation: HQ } });
  try {
    await addLocations(h.engage.db, ['Head Office', 'Annex']);
    const [, , hand] = await addUsers(h.engage.db, [{}, {}, { username: 'onboarded.by.hand@example.com' }]);
    await h.startWorker();
    // A user onboarded in Visitor by hand before the sync: the plan says adopt, not create.
    await fetch(`${h.emulator.baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-visitor-token', 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'onboarded.by.hand@example.com',
        name: { givenName: 'On', familyName: 'Boarded' },
        emails: [{ value: 'onboarded.by.hand@example.com', type: 'work', primary: true }],
      }),
    }).then((r) => assert.equal(r.status, 201));

    const dryId = h.newRunId('initial');
    const dry = await h.runSync({ kind: 'initial', dryRun: true, invitations: { mode: 'send' } }, dryId);
    assert.equal(dry.status, 'completed');
    const planned = await h.sync.db
      .selectFrom('sync.log')
      .select(['engage_id', 'action', 'detail'])
      .where('run_id', '=', dryId)
      .where('object_type', '=', 'user')
      .execute();
    const byId = new Map(planned.map((e) => [e.engage_id, e]));
    assert.equal(byId.get(hand!)?.action, 'adopt', 'the hand-made Visitor user is planned as an adoption');
    assert.equal((byId.get(hand!)?.detail as { invitation?: string } | undefined)?.invitation, 'none');

    const ctx = () => cliContext(h.config);
    assert.equal(await locationsAcceptCommand.run({ positionals: [dryId], values: {} } as never, ctx), 0);
    const applied = await h.runSync({
      kind: 'initial',
      invitations: { mode: 'send' },
      reviewedPlanRunId: dryId,
    });
    assert.equal(applied.status, 'completed', applied.reason);
    assert.deepEqual([applied.counts.created, applied.counts.adopted], [2, 1]);
    const v = await h.visitorState();
    assert.equal(v.users.length, 3, 'no duplicate of the hand-made user');
    assert.equal(v.locations.length, 2, 'the HQ adopted, the annex created');
  } finally {
    await h.close();
  }
});

test('a change since the review (Engage renamed a user, Visitor gained one) refuses the run; nothing is written', async () => {
  const h = await SyncHarness.create('reviewed_refused');
  try {
    await addLocations(h.engage.db, ['Annex']);
    const [a, , c] = await addUsers(h.engage.db, [{}, {}, { username: 'late.visitor@example.com' }]);
    await h.startWorker();
    const dryId = h.newRunId('initial');
    assert.equal((await h.runSync({ kind: 'initial', dryRun: true }, dryId)).status, 'completed');

    await h.engage.db
      .updateTable('engage.users')
      .set({ family_name: 'Renamed' })
      .where('id', '=', a!)
      .execute();
    await fetch(`${h.emulator.baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-visitor-token', 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'late.visitor@example.com',
        name: { givenName: 'Late', familyName: 'Visitor' },
        emails: [{ value: 'late.visitor@example.com', type: 'work', primary: true }],
      }),
    }).then((r) => assert.equal(r.status, 201));
    const before = await h.visitorState();

    const runId = h.newRunId('initial');
    const refused = await h.runSync({ kind: 'initial', reviewedPlanRunId: dryId }, runId);
    assert.equal(refused.status, 'failed');
    assert.match(refused.reason ?? '', /the plan changed since .* was reviewed: 2 objects planned otherwise/);
    assert.deepEqual(await h.visitorState(), before, 'nothing was written to Visitor');

    const { value, out } = await captureStdout(() =>
      planCommand.run({ positionals: [`${runId}-check`], values: { against: dryId } } as never, () =>
        cliContext(h.config),
      ),
    );
    assert.equal(value, 1);
    assert.match(out, new RegExp(`user\\s+${a}\\s+what it writes changed\\s+create\\s+create`));
    assert.match(out, new RegExp(`user\\s+${c}\\s+another action\\s+create\\s+adopt`));
  } finally {
    await h.close();
  }
});
