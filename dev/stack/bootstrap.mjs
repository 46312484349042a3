// First step of `npm test` / `npm run demo` on a fresh clone: install the locked dependencies when
// node_modules is missing or older than package-lock.json. Plain JS: it runs before tsx exists.
// `npm install`, not `npm ci`: the registry this machine reaches serves only its own platform's
// optional binaries (biome, esbuild, swc), so the lockfile cannot list the other platforms' and
// `npm ci` refuses it; `npm install` installs exactly the locked versions and leaves the lock as is.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');

const stale = !fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  console.log('Installing dependencies (npm install from the lockfile)…');
  const res = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('npm install failed; see above.');
    process.exit(res.status ?? 1);
  }
}
