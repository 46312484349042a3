// The layer rule (npm test runs it through `npm run check`): imports point down the layers, never
// back up. Type-only imports are free where they carry no code into the importer (workflows may name
// the activities' types; the engine's ports name the adapters' types).
const PRODUCT =
  '^(activities|engine|state|workflows|workers|clients|engage-scim|scim|domain|db|config|observability|engage|temporal|web|alerts)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'product-imports-dev-or-tests',
      comment: 'The product never imports dev tooling (dev/) or tests (test/).',
      severity: 'error',
      from: { path: PRODUCT },
      to: { path: '^(dev|test)/' },
    },
    {
      name: 'dev-imports-tests',
      comment:
        'Dev tooling (emulator, generator, stack, bench, chaos) stands alone: tests import it, not the reverse.',
      severity: 'error',
      from: { path: '^dev/' },
      to: { path: '^test/' },
    },
    {
      name: 'activities-import-workflows',
      comment: 'Activities are called by workflows; they never import them (shared names live in domain/).',
      severity: 'error',
      from: { path: '^activities/' },
      to: { path: '^workflows/' },
    },
    {
      name: 'engine-imports-temporal-or-adapters',
      comment:
        'The engine is free of Temporal and of its adapters: it sees the world through engine/ports.ts.',
      severity: 'error',
      from: { path: '^engine/' },
      to: { path: '(^node_modules/@temporalio/)|(^(activities|workflows|workers|state|temporal|clients)/)' },
    },
    {
      name: 'engine-runs-database-code',
      comment: 'The engine reaches PostgreSQL only through its ports (types may be named).',
      severity: 'error',
      from: { path: '^engine/' },
      to: { path: '^node_modules/(kysely|pg)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-does-io',
      comment: 'domain/ is pure rules: it imports only domain/ (and node:crypto for digests).',
      severity: 'error',
      from: { path: '^domain/' },
      to: { pathNot: '^domain/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-uses-io-core-modules',
      comment: 'Of node core, domain/ may use crypto (digests) only.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'workflows-import-non-deterministic-code',
      comment:
        'Workflow code runs in the deterministic sandbox: only workflows/, domain/ and the workflow SDK.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        pathNot: '^(workflows|domain)/|^node_modules/@temporalio/(workflow|common)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'scim-client-imports-temporal',
      comment: 'The SCIM client knows nothing of Temporal; activities map its errors.',
      severity: 'error',
      from: { path: '^scim/' },
      to: { path: '^node_modules/@temporalio/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.data|\\.tools|\\.build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
