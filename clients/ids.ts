// Workflow ids the CLIs address (defined next to the workflows, in a module without workflow code).
export { invitationsWorkflowId, provisionUserWorkflowId as userWorkflowId } from '../workflows/ids';
