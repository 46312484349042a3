// Determinism guard: every recorded history (test/fixtures/histories) must replay against the
// current workflow code. A failure means a workflow change needs versioning (patched()) or a
// deliberate re-record.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { ensureWorkflowBundle } from '../../temporal/bundle';
import { ensureTestWorkflowBundle } from '../support/stack-check/bundle';
import { EMULATOR_TOKEN } from '../support/sync-harness';

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
    'deletionDecisionWorkflow',
    'invitationsWorkflow',
    'provisionUserWorkflow',
    'stackCheckWorkflow',
    'syncRunWorkflow',
  ]);
});

type HistoryEvent = Record<string, Record<string, unknown> | undefined>;
const started = (r: (typeof recorded)[number]) =>
  r.history.events[0].workflowExecutionStartedEventAttributes as {
    input?: { payloads?: Array<{ data?: string }> };
    originalExecutionRunId?: string;
    continuedExecutionRunId?: string;
  };
const lastEvent = (r: (typeof recorded)[number]) => r.history.events.at(-1) as HistoryEvent;
const firstArg = (r: (typeof recorded)[number]) => {
  const data = started(r).input?.payloads?.[0]?.data;
  return data ? JSON.parse(Buffer.from(data, 'base64').toString('utf8')) : undefined;
};

test('continue-as-new stays covered: a syncRunWorkflow history ends in it, and its continuation starts from the carry', () => {
  const runs = recorded.filter((r) => r.type === 'syncRunWorkflow');
  const continuedAsNew = runs.filter((r) => lastEvent(r).workflowExecutionContinuedAsNewEventAttributes);
  const carried = runs.filter((r) => firstArg(r)?.carry && started(r).continuedExecutionRunId);
  assert.ok(continuedAsNew.length > 0, 'no recorded syncRunWorkflow history ends in continue-as-new');
  assert.ok(carried.length > 0, 'no recorded syncRunWorkflow history starts from a carried input');
  // The pair is one chain: the continuation names the execution that continued as new.
  const firsts = new Set(continuedAsNew.map((r) => started(r).originalExecutionRunId));
  assert.ok(
    carried.some((r) => firsts.has(started(r).continuedExecutionRunId)),
    'no carried history continues one of the recorded continue-as-new histories',
  );
});

// Ids and counts only: no e-mail address and no token in any payload or failure message.
test('recorded histories carry no e-mail address or emulator token', () => {
  const email = /[\w.%+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i;
  for (const r of recorded) {
    const texts: string[] = [];
    const walk = (v: unknown, key?: string): void => {
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.data === 'string' && o.metadata)
          texts.push(Buffer.from(o.data, 'base64').toString('utf8'));
        for (const [k, x] of Object.entries(o)) walk(x, k);
      } else if (typeof v === 'string' && key === 'message') texts.push(v);
    };
    walk(r.history);
    for (const text of texts) {
      assert.doesNotMatch(text, email, `${r.file}: an e-mail address`);
      assert.ok(!text.includes(EMULATOR_TOKEN), `${r.file}: the emulator token`);
    }
  }
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
