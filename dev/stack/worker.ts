// The worker as a background process of the local stack (so schedules fire while nobody watches).

import fs from 'node:fs';
import path from 'node:path';
import { logFile, ROOT } from './paths';
import { runningPid, startDetached, stopProcess, waitFor } from './processes';

const NAME = 'worker';
const READY_LINE = 'worker: running';

export function workerStatus() {
  const pid = runningPid(NAME);
  return { running: pid !== undefined, pid };
}

/** (Re)starts the background worker so it runs the checkout's current code. */
export async function startWorkerProcess(log: (m: string) => void = console.log): Promise<void> {
  await stopProcess(NAME);
  const before = fs.existsSync(logFile(NAME)) ? fs.statSync(logFile(NAME)).size : 0;
  log('Starting the worker in the background…');
  startDetached({
    name: NAME,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')],
    cwd: ROOT,
  });
  await waitFor(
    'worker',
    async () => {
      if (runningPid(NAME) === undefined)
        throw new Error(`the worker exited at start — see ${logFile(NAME)}`);
      const text = fs.readFileSync(logFile(NAME), 'utf8').slice(before);
      return text.includes(READY_LINE);
    },
    { timeoutMs: 120_000, log: logFile(NAME) },
  );
}

export const stopWorkerProcess = () => stopProcess(NAME);
