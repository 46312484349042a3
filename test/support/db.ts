// Moved to dev/harness/db.ts. Kept only for test/integration/stack-check.test.ts, which still imports
// it from here; new code imports dev/harness/db.
export * from '../../dev/harness/db';
