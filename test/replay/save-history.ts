// Writes one execution's history as a replay fixture (test/fixtures/histories/<name>.json), shared
// by the recorders.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTemporalCli } from '../../dev/stack/temporal';
import { TEST_NAMESPACE, temporalAddress } from '../support/temporal';

export const HISTORIES_DIR = path.join(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  '..',
  'fixtures',
  'histories',
);

export interface RecordedHistory {
  events: Array<Record<string, unknown> & { eventType: string }>;
}

/** The history of one execution: the latest run of the workflow id unless a run id is given. */
export function showHistory(workflowId: string, runId?: string): RecordedHistory {
  // The CLI's JSON is the format historyFromJSON reads (the SDK's own exporter trips over duplicate protobufjs copies).
  const out = execFileSync(
    ensureTemporalCli(),
    [
      'workflow',
      'show',
      '--address',
      temporalAddress(),
      '-n',
      TEST_NAMESPACE,
      '-w',
      workflowId,
      ...(runId ? ['-r', runId] : []),
      '--output',
      'json',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out.toString()) as RecordedHistory;
}

export function writeHistory(name: string, workflowId: string, history: RecordedHistory): void {
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(HISTORIES_DIR, `${name}.json`),
    `${JSON.stringify({ workflowId, history }, null, 1)}\n`,
  );
  console.log(`recorded ${name} (${history.events.length} events)`);
}
