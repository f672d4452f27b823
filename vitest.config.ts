import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in process (`npm run test:unit`), `e2e` starts processes (the built CLI,
// sandboxes, the agent, the LSP over stdio, PostgreSQL, a browser) and is named *.e2e.test.ts.
// `vitest run` (and `npm test`) runs both.
//
// `npm run test:unit` passes `--maxWorkers=100%`: the in-process tests are bound by CPU and the main
// process only waits on them, while vitest's default (cores - 1) is a single worker on a 2-core
// machine. (A per-project maxWorkers would force the two projects to run one after the other.)
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.e2e.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'] } },
    ],
  },
});
