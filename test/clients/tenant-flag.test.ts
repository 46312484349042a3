// clients/dispatch.ts: `--tenant <id>` anywhere on a sync/schedule command line, checked before anything
// connects; a bad value is a usage error (exit 2) that names the flag.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../clients/args';
import { dispatch, programHelp, takeTenantFlag } from '../../clients/dispatch';
import { SYNC_COMMANDS, SYNC_INTRO } from '../../clients/sync/commands';

describe('--tenant', () => {
  it('is taken from anywhere on the line, in both spellings', () => {
    assert.deepEqual(takeTenantFlag(['status', '--tenant', 'acme', '--all']), {
      tenantId: 'acme',
      rest: ['status', '--all'],
    });
    assert.deepEqual(takeTenantFlag(['--tenant=beta-eu', 'initial', '--dry-run']), {
      tenantId: 'beta-eu',
      rest: ['initial', '--dry-run'],
    });
    assert.deepEqual(takeTenantFlag(['status']), { tenantId: undefined, rest: ['status'] });
  });

  it('refuses a missing, malformed or repeated value, naming the flag', () => {
    for (const [argv, message] of [
      [['status', '--tenant'], /--tenant needs a tenant id/],
      [['status', '--tenant', '--all'], /--tenant needs a tenant id/],
      [['status', '--tenant', 'Acme Corp'], /--tenant: tenant id must be .*"Acme Corp"/],
      [['status', '--tenant=a'], /--tenant: tenant id must be/],
      [['status', '--tenant', 'a1', '--tenant', 'b2'], /--tenant given twice/],
    ] as const)
      assert.throws(
        () => takeTenantFlag([...argv]),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
  });

  it('is refused before any connection: the context is never asked for', async () => {
    await assert.rejects(
      dispatch('sync', SYNC_INTRO, SYNC_COMMANDS, ['status', '--tenant', 'NOT VALID'], () => {
        throw new Error('connected');
      }),
      UsageError,
    );
  });

  it('is named in the help of the programs that take it', () => {
    assert.match(programHelp('sync', SYNC_INTRO, SYNC_COMMANDS), /--tenant <id>/);
    assert.doesNotMatch(programHelp('tenant', '', SYNC_COMMANDS), /--tenant <id>/);
  });
});
