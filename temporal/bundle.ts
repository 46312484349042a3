// Workflow code bundled ahead of time, cached by a hash of the sources that go into it, so a worker
// starts in a second instead of re-running webpack. `npm run build:workflows` builds it explicitly.
// Production bundles workflows/index.ts; tests may bundle another index (test/support/workflows.ts,
// which adds the stack check) into a bundle of its own.
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
/** Every bundle's interceptors: a run's tenant reaches its activities and children. */
const TENANT_INTERCEPTORS = path.join(ROOT, 'workflows', 'tenant-interceptors.ts');

export interface BundleOptions {
  /** The workflows index to bundle; default the production one, workflows/index.ts. */
  workflowsPath?: string;
  /** Folders outside workflows/ and domain/ the index pulls workflow code from (test support). */
  extraSourceDirs?: string[];
  /** More workflow interceptor modules bundled with the index (test support). */
  workflowInterceptorModules?: string[];
}

function sourcesHash(workflowsPath: string, dirs: string[], interceptors: string[]): string {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(path.join(ROOT, 'package-lock.json')));
  hash.update(path.relative(ROOT, workflowsPath)).update(fs.readFileSync(workflowsPath));
  for (const module of interceptors) hash.update(path.relative(ROOT, module)).update(fs.readFileSync(module));
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    hash.update(path.relative(ROOT, dir));
    for (const file of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
      const full = path.join(dir, file);
      if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** Path of an up-to-date bundle, building it when the workflow sources changed. */
export async function ensureWorkflowBundle(o: BundleOptions = {}): Promise<string> {
  const workflowsPath = path.resolve(o.workflowsPath ?? WORKFLOWS_PATH);
  const dirs = [...SOURCE_DIRS, ...(o.extraSourceDirs ?? []).map((d) => path.resolve(d))];
  const extra = (o.workflowInterceptorModules ?? []).map((m) => path.resolve(m));
  const interceptors = [TENANT_INTERCEPTORS, ...extra];
  const slug = (p: string) =>
    path
      .relative(ROOT, p)
      .replace(/\.ts$/, '')
      .replace(/[^A-Za-z0-9]+/g, '-');
  // One name per index (and its interceptors, named first), so the production and the test bundles
  // are cached side by side.
  const name = [...extra.map((m) => `${slug(m)}-on`), slug(workflowsPath)].join('-');
  const prefix = `workflow-bundle-${name}-`;
  const file = path.join(BUILD_DIR, `${prefix}${sourcesHash(workflowsPath, dirs, interceptors)}.js`);
  if (fs.existsSync(file)) return file;
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    ...(interceptors.length ? { workflowInterceptorModules: interceptors } : {}),
    logger: quietLogger,
  });
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  // Stale bundles of this index go (and those named before bundles were named by index); another
  // index's bundle and other processes' temp files stay.
  for (const old of fs.readdirSync(BUILD_DIR)) {
    if ((old.startsWith(prefix) && old.endsWith('.js')) || /^workflow-bundle-[0-9a-f]{16}\.js$/.test(old))
      fs.rmSync(path.join(BUILD_DIR, old), { force: true });
  }
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
