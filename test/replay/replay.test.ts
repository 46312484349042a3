// Determinism guard: every recorded history (test/fixtures/histories) must replay against the
// current workflow code. A failure means a workflow change needs versioning (patched()) or a
// deliberate re-record.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { ensureWorkflowBundle } from '../../workers/bundle';
import { ensureTestWorkflowBundle } from '../support/stack-check/bundle';

const DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'histories');
const recorded = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    const type = history.events[0].workflowExecutionStartedEventAttributes.workflowType.name as string;
    return { file, type, workflowId: workflowId as string, history };
  });

test('there is a recorded history for every workflow type', () => {
  assert.deepEqual([...new Set(recorded.map((r) => r.type))].sort(), [
    'invitationsWorkflow',
    'provisionUserWorkflow',
    'stackCheckWorkflow',
    'syncRunWorkflow',
  ]);
});

async function replay(codePath: string, histories: typeof recorded): Promise<string[]> {
  const results = Worker.runReplayHistories(
    { workflowBundle: { codePath }, replayName: 'fixtures' },
    histories.map((h) => ({ workflowId: h.workflowId, history: historyFromJSON(h.history) })),
  );
  const errors: string[] = [];
  let replayed = 0;
  for await (const r of results) {
    replayed++;
    if (r.error) errors.push(`${r.workflowId}: ${r.error.message}`);
  }
  assert.equal(replayed, histories.length);
  return errors;
}

test('recorded histories replay against the current workflow code (test bundle, with the stack check)', async () => {
  assert.deepEqual(await replay(await ensureTestWorkflowBundle(), recorded), []);
});

test('the production bundle replays every history of the workflows it registers', async () => {
  const production = recorded.filter((r) => r.type !== 'stackCheckWorkflow');
  assert.ok(production.length > 0);
  assert.deepEqual(await replay(await ensureWorkflowBundle(), production), []);
});
