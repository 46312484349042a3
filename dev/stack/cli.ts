// `npm run stack:up | stack:down | stack:status [--json]`: the local stack (Temporal dev server,
// PostgreSQL, Visitor emulator, background worker). Pieces configured to external services are skipped.
import { type CommandSpec, parseCommand, UsageError } from '../../clients/args';
import { exitQuietlyWhenOutputCloses } from '../../clients/closed-pipe';
import { loadConfigOrExit, type ServiceConfig } from '../../config/service';
import { emulatorRunning, stopEmulator } from './emulator';
import { ENGAGE_SCIM_PORT, engageScimRunning, stopEngageScim } from './engage-scim';
import { postgresStatus, stopPostgres } from './postgres';
import { StackError } from './processes';
import { ensureTemporalCli, stopTemporal, temporalStatus } from './temporal';
import { up } from './up';
import { stopWorkerProcess, workerStatus } from './worker';

const HELP = `Usage: tsx dev/stack/cli.ts <command> [options]

Commands:
  setup [--quiet]          install/build what is missing, start the stack, apply migrations
  up [--worker]            start Temporal, PostgreSQL and the Visitor emulator (and a background worker)
  down                     stop everything this project started (state under .data/ is kept)
  status [--json]          what runs where

Services configured through TEMPORAL_ADDRESS, DATABASE_URL / ENGAGE_DATABASE_URL or VISITOR_SCIM_URL
are used as they are and never started or stopped here.`;

/** The flags every stack command accepts (bad ones are refused with exit 2, like the product's CLIs). */
const SPEC: CommandSpec = {
  name: '',
  summary: 'the local stack',
  positionals: [{ name: 'command', required: false, description: 'setup, up, down or status' }],
  flags: {
    json: { type: 'boolean', description: 'status as JSON' },
    quiet: { type: 'boolean', description: 'setup without progress lines' },
    worker: { type: 'boolean', description: 'also a background worker' },
  },
};

function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password && u.hostname !== '127.0.0.1') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export async function status(config: ServiceConfig) {
  const temporal = config.temporal.local ? await temporalStatus() : { running: undefined };
  const pgRunning = (await postgresStatus()).running;
  const emulatorPort = Number(new URL(config.visitor.url).port);
  return {
    temporal: {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      uiUrl: config.temporal.uiUrl,
      local: config.temporal.local,
      running: temporal.running,
    },
    database: {
      url: maskUrl(config.database.url),
      local: config.database.local,
      running: config.database.local ? pgRunning : undefined,
    },
    engageDatabase: {
      url: maskUrl(config.engageDatabase.url),
      local: config.engageDatabase.local,
      running: config.engageDatabase.local ? pgRunning : undefined,
    },
    visitor: {
      url: config.visitor.url,
      local: config.visitor.local,
      running: config.visitor.local ? await emulatorRunning(emulatorPort) : undefined,
    },
    engageScim: {
      url: `http://127.0.0.1:${ENGAGE_SCIM_PORT}/scim/api/V1`,
      running: config.engageDatabase.local ? await engageScimRunning() : undefined,
    },
    worker: { running: workerStatus().running, taskQueue: config.temporal.taskQueue },
  };
}

async function main() {
  exitQuietlyWhenOutputCloses();
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommand(SPEC, process.argv.slice(2), 'stack'));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`error: ${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  const [command] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    process.exit(command || values.help ? 0 : 2);
  }
  const config = loadConfigOrExit();
  const log = values.quiet ? () => {} : (m: string) => console.log(m);
  switch (command) {
    case 'setup':
      if (config.temporal.local) ensureTemporalCli(console.log);
      await up(config, log, values.worker === true);
      break;
    case 'up':
      await up(config, console.log, values.worker === true);
      printStatus(await status(config));
      break;
    case 'down': {
      const stopped = [
        (await stopWorkerProcess()) && 'worker',
        (await stopEmulator()) && 'Visitor emulator',
        (await stopEngageScim()) && 'Engage SCIM API',
        config.temporal.local && (await stopTemporal()) && 'Temporal',
        (await stopPostgres()) && 'PostgreSQL',
      ].filter(Boolean);
      console.log(
        stopped.length
          ? `Stopped: ${stopped.join(', ')}. State is kept under .data/.`
          : 'Nothing was running.',
      );
      break;
    }
    case 'status': {
      const s = await status(config);
      if (values.json) console.log(JSON.stringify(s, null, 2));
      else printStatus(s);
      break;
    }
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      process.exit(2);
  }
}

function printStatus(s: Awaited<ReturnType<typeof status>>) {
  const mark = (running: boolean | undefined, local: boolean) =>
    !local ? 'external' : running ? 'running' : 'stopped';
  console.log(
    `Temporal       ${mark(s.temporal.running, s.temporal.local).padEnd(9)} ${s.temporal.address} (namespace ${s.temporal.namespace})`,
  );
  console.log(`Temporal UI              ${s.temporal.uiUrl}`);
  console.log(`Sync database  ${mark(s.database.running, s.database.local).padEnd(9)} ${s.database.url}`);
  console.log(
    `Engage DB      ${mark(s.engageDatabase.running, s.engageDatabase.local).padEnd(9)} ${s.engageDatabase.url}`,
  );
  console.log(`Visitor SCIM   ${mark(s.visitor.running, s.visitor.local).padEnd(9)} ${s.visitor.url}`);
  console.log(
    `Engage SCIM    ${(s.engageScim.running ? 'running' : 'stopped').padEnd(9)} ${s.engageScim.url}`,
  );
  console.log(
    `Worker         ${(s.worker.running ? 'running' : 'stopped').padEnd(9)} task queue ${s.worker.taskQueue}`,
  );
}

main().catch((err) => {
  if (err instanceof StackError) {
    console.error(`stack: ${err.message}`);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
