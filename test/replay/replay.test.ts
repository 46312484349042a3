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

const DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('there is a recorded history for every workflow type', () => {
  const types = new Set(
    files.map((f) => {
      const { history } = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
      return history.events[0].workflowExecutionStartedEventAttributes.workflowType.name as string;
    }),
  );
  assert.deepEqual([...types].sort(), [
    'invitationsWorkflow',
    'provisionUserWorkflow',
    'stackCheckWorkflow',
    'syncRunWorkflow',
  ]);
});

test('recorded histories replay against the current workflow code', async () => {
  const codePath = await ensureWorkflowBundle();
  const histories = files.map((f) => {
    const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
    return { workflowId: workflowId as string, history: historyFromJSON(history), file: f };
  });
  const results = Worker.runReplayHistories(
    { workflowBundle: { codePath }, replayName: 'fixtures' },
    histories,
  );
  const errors: string[] = [];
  let replayed = 0;
  for await (const r of results) {
    replayed++;
    if (r.error) errors.push(`${r.workflowId}: ${r.error.message}`);
  }
  assert.equal(replayed, histories.length);
  assert.deepEqual(errors, []);
});
