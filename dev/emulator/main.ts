/** CLI: `tsx dev/emulator/main.ts` — configured by VISITOR_EMULATOR_* variables (see config.ts). */
import { ConfigError, loadConfig } from './config';
import { resolveProfile } from './profile';
import { startVisitorEmulator } from './server';

async function main(): Promise<void> {
  let options: ReturnType<typeof loadConfig>;
  try {
    options = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`visitor emulator: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const emulator = await startVisitorEmulator(options);
  const profile = resolveProfile(options.profile);
  const tuning =
    profile.name === 'realistic'
      ? `: latency ${profile.latencyMs?.min}–${profile.latencyMs?.max} ms, ` +
        (profile.rateLimitPerSecond === undefined
          ? 'no rate limit'
          : `${profile.rateLimitPerSecond} requests/s per company`)
      : '';
  console.log(
    `Eptura Visitor SCIM emulator listening on ${emulator.baseUrl} (profile ${profile.name}${tuning})`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Close connections and write the snapshot so a graceful stop loses nothing.
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`visitor emulator: error while stopping on ${signal}`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
