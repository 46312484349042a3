// scim2-tester (PyPI) against the server (test/support/scim2-tester.ts installs it once).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureScim2Tester, runScim2Tester, SCIM2_OK, scim2CheckLine } from '../support/scim2-tester';
import { ALL_SCOPES, type ScimHarness, scimHarness } from './support';

/**
 * Checks that may not pass, matched on "resource | check | reason"; each is explained in
 * docs/engage-scim-api.md ("Compliance allow-list"). All are consequences of Engage's data model.
 */
const ALLOWED: [RegExp, string][] = [
  [/^User \| check_(add|replace)_attribute \| .*unexpected value for 'name'/s, 'name.formatted is derived'],
  [/^User \| check_(add|replace)_attribute \| .*unexpected value for 'emails'/s, 'one e-mail, typed work'],
  [
    /^User \| check_(add|replace)_attribute \| .*unexpected value for 'phoneNumbers'/s,
    'no primary on phones',
  ],
  [
    /^User \| check_add_attribute \| .*unexpected value for '[^']*customAttributes'/s,
    'add appends (RFC 7644)',
  ],
  [/^Group \| check_(add|replace)_attribute \| .*unexpected value for 'members'/s, 'display is filled in'],
  // PATCH remove answered 400 mutability, as RFC 7644 §3.5.2 says of an operation the attribute's
  // mutability or Engage's model does not allow. (POST /.search at the root answers 501: SKIPPED.)
  [
    /^User \| check_remove_attribute \| Failed to remove attribute 'externalId': externalId cannot be removed: it is immutable once set$/,
    'externalId is immutable once set',
  ],
  [
    /^User \| check_remove_attribute \| Failed to remove attribute 'active': cannot remove active: Engage keeps a value for it/,
    'active is never unset',
  ],
  [
    /^User \| check_remove_attribute \| Failed to remove attribute 'urn:ietf:params:scim:schemas:extension:eptura:engage:2\.0:User(:userType|:sso)?': cannot remove urn:\S*:(userType|sso)\b.*: Engage keeps a value for/,
    'userType and sso always have a value',
  ],
];

describe('scim2-tester compliance', () => {
  let h: ScimHarness;
  before(async () => {
    ensureScim2Tester();
    h = await scimHarness('compliance', { scopes: ALL_SCOPES });
  });
  after(() => h.close());

  it('passes every check, or the check is in the documented allow-list', async () => {
    const checks = await runScim2Tester(
      path.join(import.meta.dirname, 'scim2_check.py'),
      h.server.baseUrl,
      h.token,
    );
    assert.ok(checks.length > 20, `only ${checks.length} checks ran`);
    const line = scim2CheckLine;
    const failing = checks.filter(
      (c) => !SCIM2_OK.has(c.status) && !ALLOWED.some(([re]) => re.test(line(c))),
    );
    assert.deepEqual(
      failing.map((c) => `${line(c)} (${c.status})`),
      [],
    );
  });
});
