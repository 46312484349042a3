// `npm run tenant -- <command>`: the registry of companies this deployment serves.
import { runMain } from './main';
import { tenantDispatch } from './tenant/commands';

await runMain((ctx) => tenantDispatch(process.argv.slice(2), ctx));
