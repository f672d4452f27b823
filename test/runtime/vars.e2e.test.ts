// Variables declared in a flow file, at run time: defaults, --var overrides read as the declared
// type, and a missing or unreadable value stops the run before anything is written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../helpers/cli.js';

const FLOW = `var rep: string = "Eva Olsen"
var min: integer
source file.jsonl with path = "in.jsonl" as { name: string, owner: string, n: integer }
  -> filter owner == ~{rep}~ and n >= ~{min}~
  -> map { name: name, n: n }
  -> dest file.jsonl with path = "out.jsonl"
`;

function project() {
  const dir = tempDir();
  writeFileSync(join(dir, 'f.flow'), FLOW);
  const rows = [
    { name: 'a', owner: 'Eva Olsen', n: 1 },
    { name: 'b', owner: 'Eva Olsen', n: 5 },
    { name: 'c', owner: 'Bo Berg', n: 9 },
  ];
  writeFileSync(join(dir, 'in.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const env = { SLUICE_HOME: join(dir, '.sluice'), SLUICE_CONFIG_DIR: join(dir, 'config') };
  const out = () => readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).name);
  return { dir, env, out };
}

describe('declared variables at run time', () => {
  it('uses the default, and --var values read as the declared type', async () => {
    const p = project();
    let r = await runSluice(['run', 'f.flow', '--var', 'min=2'], { cwd: p.dir, env: p.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(p.out()).toEqual(['b']);
    r = await runSluice(['run', 'f.flow', '--var', 'min=0', '--var', 'rep=Bo Berg'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(p.out()).toEqual(['c']);
  });

  it('a variable without a default and without --var stops the run (SL7004)', async () => {
    const p = project();
    const r = await runSluice(['run', 'f.flow'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SL7004');
    expect(r.stderr).toContain('--var min=VALUE');
    expect(existsSync(join(p.dir, 'out.jsonl'))).toBe(false);
  });

  it('a value that is not of the declared type stops the run (SL7005)', async () => {
    const p = project();
    const r = await runSluice(['run', 'f.flow', '--var', 'min=two'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SL7005');
    expect(r.stderr).toContain('`min` is declared as integer');
  });

  it('sluice describe FILE lists the variables and flows', async () => {
    const p = project();
    const r = await runSluice(['describe', 'f.flow', '--format', 'json'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.vars).toEqual([
      { name: 'rep', type: 'string', default: '"Eva Olsen"', required: false, line: 1 },
      { name: 'min', type: 'integer', required: true, line: 2 },
    ]);
    expect(d.flows).toEqual([{ name: 'f', source: 'file.jsonl', dest: 'file.jsonl', line: 3 }]);
    const text = await runSluice(['describe', 'f.flow'], { cwd: p.dir, env: p.env });
    expect(text.stdout).toContain('rep  string   default "Eva Olsen"');
    expect(text.stdout).toContain('min  integer  required');
  });

  it('sluice check accepts the file without --var (the editor sees no SL2040)', async () => {
    const p = project();
    const r = await runSluice(['check', 'f.flow'], { cwd: p.dir, env: p.env });
    expect(r.stdout).toContain('0 errors');
    expect(r.code).toBe(0);
  });
});
