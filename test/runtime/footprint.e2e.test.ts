// What a plain run from Pipedrive to a JSONL file loads: not the PostgreSQL driver (the state is
// SQLite) and no ICU list-formatting data (got's type checks only need it for an error message).
// Each costs resident memory for the whole run. Checked in the built CLI, as users run it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, sandboxesPerTest } from './helpers/sandbox-run.js';

const sb = sandboxesPerTest();

/** Preloaded into the run: counts list formatters built and, at exit, lists the CommonJS packages loaded. */
const PROBE = `
const { writeFileSync } = require('node:fs');
let listFormats = 0;
const Real = Intl.ListFormat;
Intl.ListFormat = class extends Real { constructor(...a) { super(...a); listFormats++; } };
process.on('exit', () => {
  const packages = [...new Set(Object.keys(require.cache).map((k) => (/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(k) || [])[1]).filter(Boolean))];
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ listFormats, packages }));
});
`;

describe('a run to a JSONL file', () => {
  it('loads neither the PostgreSQL driver nor ICU list data', async () => {
    const s = await sb({ persons: 30 });
    const p = project(s, { 'f.flow': 'source pipedrive.persons -> map { id: id, name: name } -> dest file.jsonl with path = "out.jsonl"\n' }, 'v2');
    const probe = join(p.dir, 'probe.cjs');
    writeFileSync(probe, PROBE);
    const out = join(p.dir, 'probe.json');
    const r = await p.run('f.flow', [], { NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out });
    expect(r.summary).toMatchObject({ status: 'succeeded', written: 30 });
    const seen = JSON.parse(readFileSync(out, 'utf8')) as { listFormats: number; packages: string[] };
    // The probe sees what it should: the state database's driver is loaded.
    expect(seen.packages).toContain('better-sqlite3');
    expect(seen.packages).not.toContain('pg');
    expect(seen.listFormats).toBe(0);
  });
});
