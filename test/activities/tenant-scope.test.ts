// Which engine an activity gets: its run's tenant (the header the workflow interceptor adds, here set
// with asTenant), the configured company's without one — unless its run is a tenant's (a dot in the
// workflow id), which a worker without tenant support scheduled: refused, retryably.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createSyncActivities, type EngineSource } from '../../activities/sync';
import { asTenant } from '../../activities/tenant-scope';
import type { Engine } from '../../engine/engine';
import { TenantUnavailableError } from '../../engine/errors';

function recordingSource(fail?: Error) {
  const asked: (string | undefined)[] = [];
  const source: EngineSource = {
    use: async (tenantId) => {
      asked.push(tenantId);
      if (fail) throw fail;
      // The activity would go on with this engine; stop here, the choice is what is tested.
      throw new Error('stop');
    },
  };
  return { source, asked };
}

const run = (workflowId: string, tenant: string | undefined, source: EngineSource) => {
  const e = new MockActivityEnvironment(
    { workflowExecution: { workflowId, runId: 'r' } },
    { logger: new DefaultLogger('ERROR') },
  );
  const acts = createSyncActivities(source);
  return asTenant(tenant, () => e.run(acts.runCounts as never, { runId: workflowId }));
};

describe('an activity finds its engine by its tenant', () => {
  it("uses the run's tenant", async () => {
    const r = recordingSource();
    await assert.rejects(run('acme.initial-sync-1', 'acme', r.source), /stop/);
    assert.deepEqual(r.asked, ['acme']);
  });

  it("uses the configured company's for a run without a tenant", async () => {
    const r = recordingSource();
    await assert.rejects(run('initial-sync-1', undefined, r.source), /stop/);
    assert.deepEqual(r.asked, [undefined]);
  });

  it("refuses, retryably, a tenant's run whose activity carries no tenant", async () => {
    const r = recordingSource();
    await assert.rejects(run('acme.initial-sync-1', undefined, r.source), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'TenantMissing');
      assert.equal(err.nonRetryable, false);
      return true;
    });
    assert.deepEqual(r.asked, [], 'no engine was asked for');
  });

  it('fails at once (not retryable) for a tenant that cannot run', async () => {
    const r = recordingSource(new TenantUnavailableError('tenant "acme" is paused'));
    await assert.rejects(run('acme.initial-sync-1', 'acme', r.source), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'TenantUnavailable');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /paused/);
      return true;
    });
  });

  it('refuses a tenant on a worker that serves one company only', async () => {
    const acts = createSyncActivities({} as Engine);
    const e = new MockActivityEnvironment(
      { workflowExecution: { workflowId: 'acme.x', runId: 'r' } },
      { logger: new DefaultLogger('ERROR') },
    );
    await assert.rejects(
      asTenant('acme', () => e.run(acts.runCounts as never, { runId: 'acme.x' })),
      /serves no tenants/,
    );
  });
});
