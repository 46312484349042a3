// Debian's Chromium, for the browser tests (playwright-core drives it; it downloads no browser of its
// own). Installed with apt-get when missing and we are root, like docker-compose (compose.ts).
import { spawnSync } from 'node:child_process';
import { StackError } from './processes';

function onPath(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() || undefined : undefined;
}

/**
 * Flags for this closed network: without them Chromium's background services (updates, sync, QUIC)
 * keep trying to connect. --no-sandbox: the tests may run as root, where the sandbox refuses to start.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Path of Debian's chromium, installing the package when it is missing. */
export function ensureChromium(log: (msg: string) => void = console.log): string {
  const found = onPath('chromium');
  if (found) return found;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new StackError(
      "chromium is not on PATH: install Debian's package (sudo apt-get install -y chromium) and re-run.",
    );
  }
  log("Installing Debian's chromium package…");
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package lists may be stale or missing on a fresh machine: update once, then retry.
  if (spawnSync('apt-get', install, { stdio: 'inherit', env }).status !== 0) {
    for (const args of [['update'], install]) {
      const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (res.status !== 0) throw new StackError(`apt-get ${args.join(' ')} failed (exit ${res.status})`);
    }
  }
  const installed = onPath('chromium');
  if (!installed) throw new StackError('chromium was installed but is not on PATH');
  return installed;
}
