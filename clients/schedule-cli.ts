// `npm run schedule -- <command>`: the Temporal Schedule that runs the daily reconcile.
import { dispatch } from './dispatch';
import { runMain } from './main';
import { SCHEDULE_COMMANDS, SCHEDULE_INTRO } from './schedule-commands';

await runMain((ctx) => dispatch('schedule', SCHEDULE_INTRO, SCHEDULE_COMMANDS, process.argv.slice(2), ctx));
