// A deployment's folder bounds cover every destination of a `tee`, not only the first.
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/apps/index.js';
import { boundsDiagnostics, PathBounds } from '../../src/agent/bounds.js';
import { checkSource } from '../../src/check/check-source.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { tempDir } from '../helpers/cli.js';

describe('deploy bounds and tee', () => {
  it('refuses a path outside the folder in any destination of a tee', () => {
    const dir = tempDir();
    const text = 'source file.jsonl with path = "in.jsonl"\n  -> tee {\n    dest file.jsonl with path = "out/a.jsonl",\n    dest sqlite.table with db = "/etc/elsewhere.db", table = "t"\n  }\n';
    const checked = checkSource(text, { fileName: 'f.flow', env: stdlibEnv() });
    const flow = checked.model!.flows[0];
    const ds = boundsDiagnostics(flow, loadRegistry(), new PathBounds([dir]), { baseDir: dir, vars: {}, env: {} });
    expect(ds.map((d) => d.code)).toEqual(['SL8015']);
    expect(ds[0].message).toContain('/etc/elsewhere.db');
  });
});
