import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { entraSequence } from './fixtures/entra';
import { oktaSequence } from './fixtures/okta';
import { fill, lookup, type Step } from './fixtures/step';
import { type ScimHarness, scimHarness } from './support';

async function replay(h: ScimHarness, steps: Step[]) {
  const vars: Record<string, string> = {};
  for (const [i, s] of steps.entries()) {
    const r = await h.call(
      s.method,
      fill(s.path, vars),
      s.body === undefined ? undefined : fill(s.body, vars),
    );
    const label = `step ${i + 1}: ${s.method} ${s.path}`;
    assert.equal(r.status, s.status, `${label} → ${r.status} ${JSON.stringify(r.body)}`);
    if (s.save) vars[s.save] = r.body.id;
    for (const [path, want] of Object.entries(s.expect ?? {})) {
      assert.deepEqual(lookup(r.body, path), want, `${label}: ${path}`);
    }
  }
  return vars;
}

describe('identity-provider request sequences', () => {
  let h: ScimHarness;
  before(async () => {
    h = await scimHarness('idp');
  });
  after(() => h.close());

  it('replays Okta', async () => {
    const vars = await replay(h, oktaSequence);
    const row = await h.db.db
      .selectFrom('engage.users')
      .selectAll()
      .where('id', '=', Number(vars.id))
      .executeTakeFirstOrThrow();
    assert.equal(row.active, false);
    assert.equal(row.user_type, 'regular');
    assert.equal(row.given_name, 'Janet');
  });

  it('replays Entra ID', async () => {
    const vars = await replay(h, entraSequence);
    const row = await h.db.db
      .selectFrom('engage.users')
      .selectAll()
      .where('id', '=', Number(vars.id))
      .executeTakeFirstOrThrow();
    assert.ok(row.deleted_at);
    assert.equal(row.employee_number, '5678');
    assert.equal(row.external_id, 'jyoung');
    // Each committed change to the user or its memberships left an outbox row.
    const outbox = await h.db.db
      .selectFrom('engage.change_outbox')
      .select('kind')
      .where('engage_user_id', '=', Number(vars.id))
      .execute();
    const kinds = outbox.map((o) => o.kind);
    assert.equal(kinds[0], 'user_created');
    assert.ok(kinds.includes('group_membership'));
    assert.equal(kinds.at(-1), 'user_deleted');
  });
});
