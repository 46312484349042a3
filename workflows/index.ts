// Every workflow the worker registers.
export { invitationsWorkflow } from './invitations';
export { provisionUserWorkflow } from './provision-user';
export { stackCheckWorkflow } from './stack-check';
export { syncRunWorkflow } from './sync-run';
