// The Visitor SCIM emulator as a background process of the local stack.
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_DEFAULTS } from '../../config/service';
import { EMULATOR_DATA_FILE, logFile, ROOT } from './paths';
import { isPortOpen, runningPid, StackError, startDetached, stopProcess, waitFor } from './processes';

const NAME = 'visitor-emulator';
const ENTRY = path.join(ROOT, 'dev', 'emulator', 'main.ts');

export async function startEmulator(port: number, log: (msg: string) => void = console.log): Promise<void> {
  if (runningPid(NAME) !== undefined && (await isPortOpen(port))) return;
  if (await isPortOpen(port)) {
    throw new StackError(
      `Port ${port} (Visitor emulator) is already taken by a process this project did not start.\n` +
        'Stop it, or set VISITOR_EMULATOR_PORT to a free port.',
    );
  }
  fs.mkdirSync(path.dirname(EMULATOR_DATA_FILE), { recursive: true });
  log(`Starting the Visitor SCIM emulator on 127.0.0.1:${port}…`);
  startDetached({
    name: NAME,
    command: process.execPath,
    args: ['--import', 'tsx', ENTRY],
    cwd: ROOT,
    env: {
      ...process.env,
      VISITOR_EMULATOR_PORT: String(port),
      VISITOR_EMULATOR_TOKEN: process.env.VISITOR_EMULATOR_TOKEN ?? LOCAL_DEFAULTS.emulatorToken,
      VISITOR_EMULATOR_DATA_FILE: process.env.VISITOR_EMULATOR_DATA_FILE ?? EMULATOR_DATA_FILE,
    },
  });
  await waitFor('Visitor emulator', () => isPortOpen(port), { timeoutMs: 60_000, log: logFile(NAME) });
}

export const stopEmulator = () => stopProcess(NAME);
export const emulatorRunning = (port: number) => isPortOpen(port);
