/**
 * Measures the emulator's throughput so it is never mistaken for a benchmark's bottleneck.
 * Runs the emulator as a separate process (the CLI) and drives it with 32 keep-alive connections.
 *
 *   npx tsx dev/emulator/bench.ts [--requests 20000] [--scale 0]
 *
 * `--scale N` additionally loads N users with access to all 500 locations and reports the
 * emulator's memory and the same read rates at that size.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { URN_CORE_USER, URN_VISITOR_LOCATION, URN_VISITOR_USER } from '../../scim/wire';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    scale: { type: 'string', default: '0' },
    /** Drive an emulator that is already running (started with VISITOR_EMULATOR_TOKEN=bench-visitor-token). */
    url: { type: 'string' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const SCALE = Number(values.scale);
const TOKEN = 'bench-visitor-token';

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let base = new URL('http://127.0.0.1');

function call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path: `${base.pathname}${path}`,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/scim+json',
          ...(body ? { 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Result {
  scenario: string;
  requests: number;
  seconds: number;
  perSecond: number;
  statuses: Record<string, number>;
}

async function run(
  scenario: string,
  total: number,
  make: (i: number) => [string, string, string?],
): Promise<Result> {
  let next = 0;
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const [method, path, body] = make(next++);
        const { status } = await call(method, path, body);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const result = {
    scenario,
    requests: total,
    seconds: +seconds.toFixed(2),
    perSecond: Math.round(total / seconds),
    statuses,
  };
  console.log(
    `${scenario.padEnd(48)} ${String(result.perSecond).padStart(7)} req/s  ${JSON.stringify(statuses)}`,
  );
  return result;
}

function userJson(email: string, access: string): string {
  return (
    `{"schemas":["${URN_CORE_USER}","${URN_VISITOR_USER}"],"userName":"${email}",` +
    `"name":{"givenName":"Bench","familyName":"User"},"emails":[{"value":"${email}","type":"work","primary":true}],` +
    `"active":true,"${URN_VISITOR_USER}":{"locationAccess":${access}}}`
  );
}

async function main(): Promise<void> {
  const mainTs = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = values.url
    ? undefined
    : spawn(process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', mainTs], {
        env: { ...process.env, VISITOR_EMULATOR_PORT: '0', VISITOR_EMULATOR_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
  try {
    if (child) {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      base = new URL(/listening on (\S+)/.exec(line)?.[1] ?? '');
    } else {
      base = new URL(values.url ?? '');
    }
    const locations = JSON.parse((await call('GET', '/Locations')).text).Resources.map(
      (l: { id: string }) => l.id,
    );
    for (let i = 1; i < 500; i++) {
      const res = await call(
        'POST',
        '/Locations',
        JSON.stringify({ schemas: [URN_VISITOR_LOCATION], name: `Site ${i}` }),
      );
      locations.push(JSON.parse(res.text).id);
    }
    const accessJson = (n: number) =>
      JSON.stringify(
        locations
          .slice(0, n)
          .map((id: string, i: number) => ({ locationId: id, role: i === 0 ? 'admin' : 'regular' })),
      );
    const access12 = accessJson(12);
    const access500 = accessJson(500);
    console.log(`emulator ${base.href}, concurrency ${CONCURRENCY}, ${REQUESTS} requests per scenario\n`);

    const results: Result[] = [];
    results.push(
      await run('POST /Users (12 locations of access)', REQUESTS, (i) => [
        'POST',
        '/Users',
        userJson(`u${i}@bench.test`, access12),
      ]),
    );
    results.push(
      await run('POST /Users (500 locations of access)', Math.ceil(REQUESTS / 4), (i) => [
        'POST',
        '/Users',
        userJson(`w${i}@bench.test`, access500),
      ]),
    );
    const ids = JSON.parse((await call('GET', '/Users?count=500')).text).Resources.map(
      (u: { id: string }) => u.id,
    );
    results.push(
      await run('GET /Users/{id} (12 locations)', REQUESTS, (i) => ['GET', `/Users/${ids[i % ids.length]}`]),
    );
    const wideIds = JSON.parse(
      (await call('GET', `/Users?count=500&filter=${encodeURIComponent('userName sw "w"')}`)).text,
    ).Resources.map((u: { id: string }) => u.id);
    results.push(
      await run('GET /Users/{id} (500 locations)', Math.ceil(REQUESTS / 4), (i) => [
        'GET',
        `/Users/${wideIds[i % wideIds.length]}`,
      ]),
    );
    results.push(
      await run('GET /Users?filter=userName eq (indexed)', REQUESTS, (i) => [
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "u${(i * 7919) % REQUESTS}@bench.test"`)}`,
      ]),
    );

    if (SCALE > 0) {
      const existing = REQUESTS + Math.ceil(REQUESTS / 4);
      const toAdd = Math.max(0, SCALE - existing);
      console.log(`\nloading ${toAdd} more users with 500 locations of access each …`);
      await run(`POST /Users (500 locations) up to ${SCALE} users`, toAdd, (i) => [
        'POST',
        '/Users',
        userJson(`s${i}@bench.test`, access500),
      ]);
      const stats = (await (await fetch(`${base.origin}/_admin/stats`)).json()) as {
        store: unknown;
        memory: unknown;
      };
      console.log(`store: ${JSON.stringify(stats.store)}  memory: ${JSON.stringify(stats.memory)}`);
      results.push(
        await run(`GET filter=userName eq at ${SCALE} users`, REQUESTS, (i) => [
          'GET',
          `/Users?filter=${encodeURIComponent(`userName eq "s${(i * 7919) % Math.max(1, toAdd)}@bench.test"`)}`,
        ]),
      );
      results.push(
        await run(`GET /Users/{id} (500 locations) at ${SCALE} users`, Math.ceil(REQUESTS / 4), (i) => [
          'GET',
          `/Users/${wideIds[i % wideIds.length]}`,
        ]),
      );
    }
  } finally {
    if (child) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    agent.destroy();
  }
}

await main();
