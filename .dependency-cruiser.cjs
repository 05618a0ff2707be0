// Layering rules for meshplane, checked by `npm run lint` and by test/architecture/layering.test.ts.
// Folders: model (data and pure helpers) ← ports (interfaces) ← decisions (rollout, health, placement, mesh: pure)
// ← use cases (talk to ports) ← adapters / composition / local / api ← functions (handlers), infra (CDK), cli.
/** SDKs and other external systems' clients: only adapters, composition, local, sim, functions, infra, cli and tests use them. */
const SDKS = '(^|node_modules/)(@aws-sdk/|@smithy/|@kubernetes/client-node|highs|aws-cdk-lib|constructs|aws-local-stepfunctions|dynalite|fauxqs)';
const DECISIONS = '^lib/(rollout|health|placement|mesh|observability)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle means two modules are one concern split in two, or a contract lives in the wrong file.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'model-imports-nothing-of-ours',
      severity: 'error',
      comment:
        'lib/model is the shared vocabulary: data shapes and pure helpers over them. It depends on no other folder of ours, except lib/errors.ts (the typed errors, which import nothing).',
      from: { path: '^lib/model/' },
      to: { path: ['^(lib|functions|infra|cli)/', SDKS], pathNot: ['^lib/model/', '^lib/errors\.ts$'] },
    },
    {
      name: 'ports-import-only-model',
      severity: 'error',
      comment: 'A port is a small interface in the vocabulary of the model; it must not depend on an implementation area.',
      from: { path: '^lib/ports/' },
      to: { path: ['^(lib|functions|infra|cli)/', SDKS], pathNot: '^lib/(model|ports)/' },
    },
    {
      name: 'decisions-import-no-adapters',
      severity: 'error',
      comment: 'rollout, health, placement and mesh hold pure decisions: no adapters, no local runtime, no use cases.',
      from: { path: DECISIONS },
      to: { path: '^lib/(adapters|local|sim|composition|api|usecases)/' },
    },
    {
      name: 'decisions-import-no-sdks',
      severity: 'error',
      comment:
        'Decisions call no external system. Exception: placement/ilp-solver.ts wraps HiGHS, an in-process WASM LP solver ' +
        '(pure computation, no I/O); it is the one file that imports it.',
      from: { path: DECISIONS, pathNot: '^lib/placement/ilp-solver\\.ts$' },
      to: { path: SDKS },
    },
    {
      name: 'usecases-import-no-sdks-or-adapters',
      severity: 'error',
      comment: 'Use cases talk to ports; adapters are chosen in composition.',
      from: { path: '^lib/usecases/' },
      to: { path: [SDKS, '^lib/(adapters|local|sim|composition|api)/'] },
    },
    {
      name: 'no-imports-between-usecase-folders',
      severity: 'error',
      comment: 'A use-case folder may import lib/usecases/shared and the top-level deps.ts, not another use-case folder.',
      from: { path: '^lib/usecases/([^/]+)/' },
      to: { path: '^lib/usecases/[^/]+/', pathNot: ['^lib/usecases/$1/', '^lib/usecases/shared/'] },
    },
    {
      name: 'lib-never-imports-functions-infra-cli',
      severity: 'error',
      comment: 'lib/ is what handlers, infra and the CLI are built from, never the other way round.',
      from: { path: '^lib/' },
      to: { path: '^(functions|infra|cli)/' },
    },
    {
      name: 'handlers-call-no-sdk',
      severity: 'error',
      comment: 'Handlers parse, call one use case and map the result: SDK calls belong in adapters.',
      from: { path: '^functions/' },
      to: { path: '(^|node_modules/)(@aws-sdk/|@kubernetes/client-node)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
