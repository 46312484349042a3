// The Visitor emulator for the realistic benchmark section, as its own process: dev/emulator/main.ts's
// configuration (VISITOR_EMULATOR_*, the realistic profile included) plus BENCH_EMULATOR_EXTRA_TOKENS
// (comma-separated): more companies, each with its own rate budget and stats. The bench looks users up
// with those tokens, so its observation never spends the synced company's (company-1) rate limit.
import { ConfigError, loadConfig } from '../emulator/config';
import { startVisitorEmulator } from '../emulator/server';

let options: ReturnType<typeof loadConfig>;
try {
  options = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`bench emulator: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const extraTokens = (process.env.BENCH_EMULATOR_EXTRA_TOKENS ?? '')
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);
const emulator = await startVisitorEmulator({ ...options, extraTokens });
console.log(`bench emulator listening on ${emulator.baseUrl}`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // Writes the snapshot when there is a data file, so a restart finds every user.
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('bench emulator: error while stopping', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
