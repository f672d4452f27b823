import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in process (`npm run test:unit`), `e2e` starts processes (the built CLI,
// sandboxes, the agent, the LSP over stdio, PostgreSQL, a browser) and is named *.e2e.test.ts.
// `vitest run` (and `npm test`) runs both.
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
