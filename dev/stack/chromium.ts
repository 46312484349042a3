// Debian's Chromium, for the browser tests (playwright-core drives it; it downloads no browser of its
// own). Installed with apt-get when missing and we are root (debian-package.ts).
import { ensureDebianCommand } from './debian-package';

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
  return ensureDebianCommand('chromium', 'chromium', log);
}
