// The workflows a test worker registers: every production workflow plus the stack check. Bundled as
// its own workflow bundle (test/support/stack-check/bundle.ts).
export * from '../../workflows';
export { stackCheckWorkflow } from './stack-check/workflow';
