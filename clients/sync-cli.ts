// `npm run sync -- <command>`: start, follow and steer syncs from Engage to Visitor.
import { dispatch } from './dispatch';
import { runMain } from './main';
import { SYNC_COMMANDS, SYNC_INTRO } from './sync/commands';

await runMain((ctx) => dispatch('sync', SYNC_INTRO, SYNC_COMMANDS, process.argv.slice(2), ctx));
