// Every `npm run sync` command, in the order --help lists them.
import type { Command } from '../command';
import { approveCommand, rejectCommand, stopCommand } from './control';
import { invitationsCancelCommand, invitationsReleaseCommand, invitationsStatusCommand } from './invitations';
import {
  locationsAcceptCommand,
  locationsForgetCommand,
  locationsListCommand,
  locationsMatchCommand,
  locationsSeparateCommand,
} from './locations';
import { planCommand } from './plan';
import { dailyCommand, initialCommand } from './start';
import { statusCommand } from './status';
import { userCommand } from './user';
import { watchCommand } from './watch';

export const SYNC_COMMANDS: Command[] = [
  initialCommand,
  dailyCommand,
  userCommand,
  watchCommand,
  statusCommand,
  approveCommand,
  rejectCommand,
  stopCommand,
  planCommand,
  locationsListCommand,
  locationsMatchCommand,
  locationsSeparateCommand,
  locationsAcceptCommand,
  locationsForgetCommand,
  invitationsStatusCommand,
  invitationsReleaseCommand,
  invitationsCancelCommand,
];

export const SYNC_INTRO =
  'Provisions Eptura Visitor from Eptura Engage. Runs are Temporal workflows; their id is the run id.';
