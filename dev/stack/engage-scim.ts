// The Engage SCIM API (what Okta and Entra ID write into) as a background process of the local stack.
import path from 'node:path';
import { logFile, ROOT } from './paths';
import { isPortOpen, runningPid, StackError, startDetached, stopProcess, waitFor } from './processes';

const NAME = 'engage-scim';
export const ENGAGE_SCIM_PORT = Number(process.env.ENGAGE_SCIM_PORT ?? 8791);

export async function startEngageScim(log: (msg: string) => void = console.log): Promise<void> {
  if (runningPid(NAME) !== undefined && (await isPortOpen(ENGAGE_SCIM_PORT))) return;
  if (await isPortOpen(ENGAGE_SCIM_PORT)) {
    throw new StackError(
      `Port ${ENGAGE_SCIM_PORT} (Engage SCIM API) is already taken by a process this project did not start.\n` +
        'Stop it, or set ENGAGE_SCIM_PORT to a free port.',
    );
  }
  log(`Starting the Engage SCIM API on 127.0.0.1:${ENGAGE_SCIM_PORT}…`);
  startDetached({
    name: NAME,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, 'engage-scim', 'main.ts')],
    cwd: ROOT,
  });
  await waitFor('Engage SCIM API', () => isPortOpen(ENGAGE_SCIM_PORT), {
    timeoutMs: 60_000,
    log: logFile(NAME),
  });
}

export const stopEngageScim = () => stopProcess(NAME);
export const engageScimRunning = () => isPortOpen(ENGAGE_SCIM_PORT);
