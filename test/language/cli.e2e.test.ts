// `sluice check` and `sluice fmt` as real processes: output, exit codes, files.
import { readFileSync, writeFileSync, mkdirSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../helpers/cli.js';

function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('sluice check', () => {
  it('exits 0 on the example flows', async () => {
    const r = await runSluice(['check', 'flows']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/0 errors, 0 warnings in \d+ files/);
    expect(r.code).toBe(0);
  });

  it('reports file:line:col, the code, a code frame and the fix; exit 1', async () => {
    const dir = project({ 'bad.flow': 'source pipedrive.persons\n  -> map { a: id } dest stdout\n' });
    const r = await runSluice(['check', 'bad.flow'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('bad.flow:2:20: error SL1011 expected `->` before `dest`');
    expect(r.stdout).toContain(' 2 |   -> map { a: id } dest stdout\n   |                    ^^^^');
    expect(r.stdout).toContain('1 error, 0 warnings in 1 file');
  });

  it('finds .flow files in folders and reports every flow of a file', async () => {
    const dir = project({
      'a/one.flow': 'flow x { source pipedrive.persons -> map { a: } -> dest stdout }\nflow y { source pipedrive.persons -> filter id = 1 -> dest stdout }\n',
      'a/b/two.flow': 'source pipedrive.persons -> dest stdout\n',
      'a/notes.txt': 'not a flow',
    });
    const r = await runSluice(['check', '--format', 'json', 'a'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.files.map((f: { file: string }) => f.file)).toEqual(['a/b/two.flow', 'a/one.flow']);
    expect(out.errors).toBe(2);
    const diags = out.files[1].diagnostics;
    expect(diags.map((d: { code: string }) => d.code)).toEqual(['SL1010', 'SL1012']);
    expect(diags[1].range).toEqual({ start: { line: 2, column: 48, offset: 112 }, end: { line: 2, column: 49, offset: 113 } });
  });

  it('warnings pass unless --strict', async () => {
    const dir = project({ 'empty.flow': '# nothing yet\n' });
    expect((await runSluice(['check', 'empty.flow'], { cwd: dir })).code).toBe(0);
    expect((await runSluice(['check', '--strict', 'empty.flow'], { cwd: dir })).code).toBe(1);
  });

  it('usage errors exit 2 with the cause', async () => {
    const missing = await runSluice(['check', 'nope.flow']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or folder: nope.flow');
    const flag = await runSluice(['check', '--nope', 'flows']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--nope'");
    const none = await runSluice(['check']);
    expect(none.code).toBe(2);
  });

  it('--help documents the command', async () => {
    const r = await runSluice(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: sluice check [options] FILE|DIR...');
    expect(r.stdout).toContain('--strict');
  });

  it('never prints a stack trace, even for binary garbage', async () => {
    const dir = project({ 'junk.flow': '\u0000\u0001source ~{ -> "\n}}}{{{ map map ->' });
    const r = await runSluice(['check', 'junk.flow'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });
});

describe('sluice fmt', () => {
  const messy = 'source pipedrive.persons   where x = 1 ->   map {a:b}->dest stdout # out\n';
  const tidy = 'source pipedrive.persons where x = 1\n  -> map { a: b }\n  -> dest stdout  # out\n';

  it('prints the canonical form', async () => {
    const dir = project({ 'm.flow': messy });
    const r = await runSluice(['fmt', 'm.flow'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(tidy);
  });

  it('--check lists unformatted files and exits 1; --write fixes them in place', async () => {
    const dir = project({ 'm.flow': messy, 'ok.flow': tidy });
    chmodSync(join(dir, 'm.flow'), 0o640);
    const c1 = await runSluice(['fmt', '--check', '.'], { cwd: dir });
    expect(c1.code).toBe(1);
    expect(c1.stdout).toBe('m.flow\n');
    const w = await runSluice(['fmt', '--write', '.'], { cwd: dir });
    expect(w.code).toBe(0);
    expect(readFileSync(join(dir, 'm.flow'), 'utf8')).toBe(tidy);
    expect(statSync(join(dir, 'm.flow')).mode & 0o777).toBe(0o640);
    const c2 = await runSluice(['fmt', '--check', '.'], { cwd: dir });
    expect(c2.code).toBe(0);
  });

  it('leaves a file with syntax errors untouched and says why', async () => {
    const dir = project({ 'b.flow': 'source pipedrive.persons -> map { a: } -> dest stdout\n' });
    const r = await runSluice(['fmt', '--write', 'b.flow'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('b.flow:1:38: error SL1010');
    expect(readFileSync(join(dir, 'b.flow'), 'utf8')).toBe('source pipedrive.persons -> map { a: } -> dest stdout\n');
  });
});
