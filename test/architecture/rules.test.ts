// Each import rule can fire: a fixture tree breaks every rule once (and keeps the allowed
// imports next to them), and the cruise reports exactly those imports.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listed, ROOT, violations } from './cruise.js';

const FIXTURE = resolve(ROOT, 'test/fixtures/architecture');

describe('architecture rules', () => {
  it('each rule fires on the import that breaks it, and on nothing else', async () => {
    const found = await violations(FIXTURE);
    expect(listed(found).split('\n').sort()).toEqual(
      [
        'agent-imports-no-cli-or-lsp: src/agent/agent.ts -> src/lsp/server.ts',
        'check-imports-no-state-or-entry-points: src/check/env.ts -> src/state/store.ts',
        'check-never-imports-runtime: src/check/plan.ts -> src/runtime/run.ts',
        'connections-sit-below-the-runtime: src/connections/resolve.ts -> src/runtime/http/client.ts',
        'language-imports-no-engine: src/language/names.ts -> src/apps/registry.ts',
        'language-imports-no-engine: src/language/parser.ts -> src/check/types.ts',
        'language-never-imports-check: src/language/parser.ts -> src/check/types.ts',
        'lsp-never-imports-cli: src/lsp/server.ts -> src/cli/io.ts',
        'lsp-never-runs-flows: src/lsp/hover.ts -> src/runtime/run.ts',
        'lsp-reads-state-only-through-the-read-only-view: src/lsp/state.ts -> src/state/store.ts',
        'no-circular: src/runtime/loop_a.ts -> src/runtime/loop_b.ts -> src/runtime/loop_a.ts',
        'no-circular: src/runtime/types_a.ts -> src/runtime/types_b.ts -> src/runtime/types_a.ts',
        'nothing-imports-cli: src/apps/help.ts -> src/cli/io.ts',
        'nothing-imports-cli: src/lsp/server.ts -> src/cli/io.ts',
        'only-cli-starts-the-sandbox: src/connections/probe.ts -> src/sandbox/server.ts',
        'only-state-writes-sql: src/agent/deployments.ts -> better-sqlite3/lib/index.js',
        'only-state-writes-sql: src/cli/state.ts -> src/state/db.ts',
        'runtime-imports-no-entry-points: src/runtime/run.ts -> src/agent/agent.ts',
        'sandbox-imports-nothing-of-the-engine: src/sandbox/server.ts -> src/util/paths.ts',
        'state-imports-no-runtime-agent-cli: src/state/store.ts -> src/runtime/run.ts',
        'util-imports-nothing: src/util/paths.ts -> src/language/tokens.ts',
      ].sort(),
    );
  }, 120_000);

  it('every rule in the configuration is exercised by the fixture', async () => {
    const { createRequire } = await import('node:module');
    const config = createRequire(import.meta.url)(resolve(ROOT, '.dependency-cruiser.cjs')) as { forbidden: { name: string }[] };
    const fired = new Set((await violations(FIXTURE)).map((v) => v.rule));
    expect(config.forbidden.map((r) => r.name).filter((name) => !fired.has(name))).toEqual([]);
  }, 120_000);
});
