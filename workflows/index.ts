// Every workflow the worker registers.
export { stackCheckWorkflow } from './stack-check';
