// Moved to dev/harness/db.ts; import it from there. This re-export stays because
// test/check/layers.test.ts probes the dev-imports-tests rule with an import of this path.
export * from '../../dev/harness/db';
