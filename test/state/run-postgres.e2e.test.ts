// `sluice run --state postgres://...` (or SLUICE_STATE): the flow's watermark, runs and rejected
// records live in PostgreSQL; a second run continues from there. A state URL that is not
// PostgreSQL, or a server that does not answer, is a clear error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PG_URL, freshSchema, pgAvailable, sql } from '../helpers/postgres.js';
import { project, sandboxesPerTest } from '../runtime/helpers/sandbox-run.js';

const sb = sandboxesPerTest();
const FLOW = `source pipedrive.persons since ~{CreatedDate}~
  -> map { id: id, name: name }
  -> dest file.jsonl with path = "out/p.jsonl"
`;

describe('sluice run with its state in PostgreSQL', () => {
  it.skipIf(!pgAvailable)('keeps runs and the watermark there; the next run continues from it', async () => {
    const s = await sb({ persons: 120 });
    const schema = await freshSchema('scale_run');
    try {
      const p = project(s, { 'p.flow': FLOW }, 'v2');
      const env = { SLUICE_STATE: `${PG_URL}?schema=${schema.name}` };
      const first = await p.run('p.flow', [], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.summary).toMatchObject({ status: 'succeeded', written: 120 });
      s.data.persons.create({ name: 'Late' });
      s.clock.advance(5000);
      const second = await p.run('p.flow', ['--state', env.SLUICE_STATE]);
      expect(second.summary).toMatchObject({ status: 'succeeded', written: 1 });
      const runs = await sql<{ status: string; written_count: number }>(`SELECT status, written_count FROM ${schema.name}.runs ORDER BY id`);
      expect(runs).toEqual([{ status: 'succeeded', written_count: 120 }, { status: 'succeeded', written_count: 1 }]);
      expect((await sql<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${schema.name}.watermarks`))[0].n).toBe(1);
      expect(existsSync(join(p.dir, '.sluice', 'state.db'))).toBe(false);
    } finally {
      await schema.drop();
    }
  }, 60_000);

  it('refuses a state URL that is not PostgreSQL, and says when the server cannot be reached', async () => {
    const s = await sb({ persons: 1 });
    const p = project(s, { 'p.flow': FLOW }, 'v2');
    const bad = await p.sluice(['run', 'p.flow', '--state', 'mysql://x@localhost/db']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/SL6007: the state URL must start with postgres:\/\//);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const down = await p.sluice(['run', 'p.flow', '--state', 'postgres://nobody:secretpw@127.0.0.1:1/db']);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/SL6006: cannot reach the state database postgres:\/\/nobody@127\.0\.0\.1:1\/db#sluice/);
    expect(down.stderr).not.toContain('secretpw');
    expect(down.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
