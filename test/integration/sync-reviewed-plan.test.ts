// Onboarding applies what was reviewed (issue 16): an initial sync given a reviewed dry run checks a
// fresh plan against it and writes only if they agree; a change in Engage or Visitor since the review
// refuses the run with nothing written, and `plan --against` lists what changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliContext } from '../../clients/context';
import { locationsAcceptCommand } from '../../clients/sync/locations';
import { planCommand } from '../../clients/sync/plan';
import { captureStdout } from '../support/capture-stdout';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { EMULATOR_TOKEN, SyncHarness } from '../support/sync-harness';

const HQ = { name: 'Head Office', address: { streetAddress: '0 High Street', locality: 'City 0' } };

/** A Visitor user onboarded by hand, before or beside the sync. */
async function madeInVisitor(h: SyncHarness, userName: string): Promise<void> {
  const res = await fetch(`${h.emulator.baseUrl}/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${EMULATOR_TOKEN}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      name: { givenName: 'By', familyName: 'Hand' },
      emails: [{ value: userName, type: 'work', primary: true }],
    }),
  });
  assert.equal(res.status, 201);
}

test('reviewed, confirmed, applied: the run writes what the dry run planned (adoptions included)', async () => {
  const h = await SyncHarness.create('reviewed_ok', { emulator: { defaultLocation: HQ } });
  try {
    await addLocations(h.engage.db, ['Head Office', 'Annex']);
    const [, , hand] = await addUsers(h.engage.db, [{}, {}, { username: 'onboarded.by.hand@example.com' }]);
    await h.startWorker();
    // A user onboarded in Visitor by hand before the sync: the plan says adopt, not create.
    await madeInVisitor(h, 'onboarded.by.hand@example.com');

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
    await madeInVisitor(h, 'late.visitor@example.com');
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
