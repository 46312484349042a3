// scim2-tester (PyPI) for the compliance tests of our SCIM servers (the Engage SCIM API, the Visitor
// emulator). The venv is created once under .data/venv-scim2 and reused.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VENV = path.join(ROOT, '.data', 'venv-scim2');
const PYTHON = path.join(VENV, 'bin', 'python');
/** Pinned; the allow-lists of the compliance tests and docs are for exactly these versions. */
const PACKAGES = ['scim2-tester==0.5.2', 'scim2-client[httpx2]==0.13.2'];
const STAMP = path.join(VENV, '.engage-scim-packages');

export function ensureScim2Tester(): void {
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === PACKAGES.join('\n')) return;
  if (!fs.existsSync(PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PACKAGES], {
    stdio: 'inherit',
  });
  fs.writeFileSync(STAMP, PACKAGES.join('\n'));
}

export interface Scim2Check {
  title: string;
  status: string;
  reason: string | null;
  resource_type: string | null;
}

/** Statuses that pass. */
export const SCIM2_OK = new Set(['SUCCESS', 'COMPLIANT', 'ACCEPTABLE', 'SKIPPED']);

/** "resource | check | reason": what the allow-lists match. */
export const scim2CheckLine = (c: Scim2Check) => `${c.resource_type ?? '-'} | ${c.title} | ${c.reason}`;

/**
 * Runs a check script (it prints the checks as one JSON line, last) against a server. Asynchronously:
 * the server under test may run in this process and must keep answering.
 */
export async function runScim2Tester(script: string, baseUrl: string, token: string): Promise<Scim2Check[]> {
  const { stdout } = await promisify(execFile)(PYTHON, [script], {
    env: { ...process.env, SCIM_BASE_URL: baseUrl, SCIM_TOKEN: token },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Scim2Check[];
}
