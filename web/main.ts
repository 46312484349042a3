// `npm run log-page`: the provisioning-log page on LOG_PAGE_HOST:LOG_PAGE_PORT (127.0.0.1:8795 unless
// told), read-only on the sync database. docs/log-page.md.
import { loadConfigOrExit } from '../config/service';
import { openReadOnlyDb } from './read-only-db';
import { startLogPage } from './server';

const config = loadConfigOrExit();
const db = openReadOnlyDb(config.database.url);
const page = await startLogPage({
  db,
  host: config.logPage.host,
  port: config.logPage.port,
  ...(config.logPage.token ? { token: config.logPage.token } : {}),
});
console.log(
  `Provisioning-log page on ${page.url}${config.logPage.token ? ' (token required: LOG_PAGE_TOKEN)' : ''}`,
);

async function stop(): Promise<void> {
  await page.close();
  await db.destroy();
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
