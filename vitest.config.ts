import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in process (`npm run test:unit`), `e2e` starts processes (the built CLI,
// sandboxes, the agent, the LSP over stdio, PostgreSQL, a browser) and is named *.e2e.test.ts.
// `vitest run` (and `npm test`) runs both.
//
// The in-process tests are bound by CPU and the main process waits on them, so `unit` takes a worker
// per core: vitest's default (cores - 1) is a single worker on a 2-core machine, which doubles the
// fast tier's wall time. `e2e` keeps the default: its tests start processes of their own.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.e2e.test.ts'], maxWorkers: availableParallelism() } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'] } },
    ],
  },
});
