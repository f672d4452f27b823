// The import rules of ARCHITECTURE.md, checked by `npm run lint:deps` and test/architecture.
// Each forbidden rule is named after the invariant it keeps; a rule is never loosened to let an
// import through: the import moves instead.

/** Every part under src/ but the ones listed. */
const partsBut = (...parts) => `^src/(?!(${parts.join('|')})/)[^/]+/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle between modules of src/ ties them into one part that no longer has a direction. Type-only imports count too: an interface module that names the implementations it hands around is the same knot, only erased at compile time; the shared types go in a leaf module instead (runtime/component.ts, check/plan-types.ts, agent/api.ts).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'language-never-imports-check',
      severity: 'error',
      comment: 'The language (tokens, parser, AST, printer) knows nothing of types: the checker builds on it, never the other way.',
      from: { path: '^src/language/' },
      to: { path: '^src/check/' },
    },
    {
      name: 'language-imports-no-engine',
      severity: 'error',
      comment: 'The language is the bottom of the engine: it may use only src/diagnostics.ts, src/errors.ts and src/util.',
      from: { path: '^src/language/' },
      to: { path: partsBut('language', 'util') },
    },
    {
      name: 'check-never-imports-runtime',
      severity: 'error',
      comment: 'Checking a flow never runs it: the checker hands the runtime a plan, the runtime never hands the checker code.',
      from: { path: '^src/check/' },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'check-imports-no-state-or-entry-points',
      severity: 'error',
      comment: 'The checker is pure: no state database, no agent, CLI or editor behind it.',
      from: { path: '^src/check/' },
      to: { path: '^src/(state|agent|cli|lsp|sandbox)/' },
    },
    {
      name: 'lsp-never-runs-flows',
      severity: 'error',
      comment: 'The editor checks, completes and explains; it never runs a flow, so it imports nothing of the runtime or the agent.',
      from: { path: '^src/lsp/' },
      to: { path: '^src/(runtime|agent)/' },
    },
    {
      name: 'lsp-reads-state-only-through-the-read-only-view',
      severity: 'error',
      comment: 'The editor reads watermarks for hover and completion; it may open the state only through src/state/read-view.ts, which never writes.',
      from: { path: '^src/lsp/' },
      to: { path: '^src/state/', pathNot: '^src/state/read-view\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'lsp-never-imports-cli',
      severity: 'error',
      comment: 'The editor builds the checker environment through src/check, not through a faked CLI.',
      from: { path: '^src/lsp/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      comment: 'The CLI is the top of the graph: it imports the parts, no part imports it.',
      from: { path: partsBut('cli') },
      to: { path: '^src/cli/' },
    },
    {
      name: 'runtime-imports-no-entry-points',
      severity: 'error',
      comment: 'The runtime runs one flow for whoever calls it (CLI, agent); it never reaches up into them or the editor.',
      from: { path: '^src/runtime/' },
      to: { path: '^src/(agent|cli|lsp)/' },
    },
    {
      name: 'agent-imports-no-cli-or-lsp',
      severity: 'error',
      comment: 'The agent is a long-running entry point of its own; the CLI starts it, not the other way.',
      from: { path: '^src/agent/' },
      to: { path: '^src/(cli|lsp)/' },
    },
    {
      name: 'state-imports-no-runtime-agent-cli',
      severity: 'error',
      comment: 'The state store is used by the runtime, the agent and the CLI; it knows none of them.',
      from: { path: '^src/state/' },
      to: { path: '^src/(runtime|agent|cli|lsp|check)/' },
    },
    {
      name: 'only-state-writes-sql',
      severity: 'error',
      comment:
        'Only src/state speaks SQL to the state database. Outside it, better-sqlite3 is for the sqlite source and destination (the user\'s own files) and the request budget (budget.db).',
      from: {
        path: '^src/',
        pathNot: ['^src/state/', '^src/runtime/(sources|dests)/sqlite(\\.ts$|/)', '^src/runtime/http/budget\\.ts$'],
      },
      to: { path: ['^better-sqlite3$', 'node_modules/better-sqlite3/', 'node_modules/@types/better-sqlite3/', '^src/state/db\\.ts$'] },
    },
    {
      name: 'sandbox-imports-nothing-of-the-engine',
      severity: 'error',
      comment: 'The sandbox stands in for Pipedrive: it must not share the engine\'s code, or a bug would be the same on both sides of the wire.',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/(?!sandbox/)' },
    },
    {
      name: 'only-cli-starts-the-sandbox',
      severity: 'error',
      comment: 'The engine talks to the sandbox over HTTP like to Pipedrive; only `sluice sandbox` imports it.',
      from: { path: partsBut('sandbox', 'cli') },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'connections-sit-below-the-runtime',
      comment: 'Saved credentials and their resolution need no network: testing a connection sends requests, so it lives in src/runtime/probe and goes through the one HTTP client and its rate limiter.',
      severity: 'error',
      from: { path: '^src/connections/' },
      to: { path: '^src/(runtime|scale|agent|cli|lsp|check|state)/' },
    },
    {
      name: 'util-imports-nothing',
      severity: 'error',
      comment: 'src/util holds small helpers every part may use; it imports nothing of the engine.',
      from: { path: '^src/util/' },
      to: { path: '^src/(?!util/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
};
