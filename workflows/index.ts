// Every workflow the production worker registers (tests add the stack check: test/support/workflows.ts).
export { deletionDecisionWorkflow } from './deletion-decision';
export { invitationsWorkflow } from './invitations';
export { provisionUserWorkflow } from './provision-user';
export { syncRunWorkflow } from './sync-run';
