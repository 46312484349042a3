// Workflow code bundled ahead of time, cached by a hash of the sources that go into it, so a worker
// starts in a second instead of re-running webpack. `npm run build:workflows` builds it explicitly.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_PATH = path.join(ROOT, 'workflows', 'index.ts');
const BUILD_DIR = path.join(ROOT, '.build');
// Workflow code may import only these folders (pure, deterministic code); the layer rule holds it to them.
const SOURCE_DIRS = ['workflows', 'domain'].map((d) => path.join(ROOT, d));

function sourcesHash(): string {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(path.join(ROOT, 'package-lock.json')));
  for (const dir of SOURCE_DIRS) {
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
      const full = path.join(dir, file);
      if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** Path of an up-to-date bundle, building it when the workflow sources changed. */
export async function ensureWorkflowBundle(): Promise<string> {
  const file = path.join(BUILD_DIR, `workflow-bundle-${sourcesHash()}.js`);
  if (fs.existsSync(file)) return file;
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  for (const old of fs.readdirSync(BUILD_DIR)) fs.rmSync(path.join(BUILD_DIR, old), { force: true });
  // Write then rename: two processes bundling at once never read a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, file);
  return file;
}

const noop = () => {};
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
  log: noop,
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  ensureWorkflowBundle().then((f) =>
    console.log(`workflow bundle: ${path.relative(ROOT, f)} (${Date.now() - t0} ms)`),
  );
}
