// `sluice run` on flows without HTTP: files and SQLite, as real processes.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice, tempDir } from '../helpers/cli.js';

function project(files: Record<string, string>): string {
  const dir = tempDir('sluice-run-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const people = ['{"id":1,"name":"Ada","tags":["a"]}', '{"id":2,"name":"Bob","tags":[]}', '{"id":3,"name":null,"tags":["c"]}', 'not json', '{"id":"four","name":"Dan","tags":[]}'].join('\n');

describe('sluice run: files and SQLite', () => {
  it('jsonl -> map/filter -> sqlite, upserting by key; bad lines are rejected and kept, not lost', async () => {
    const dir = project({
      'in.jsonl': people,
      'f.flow': `source file.jsonl with path = "in.jsonl" as { id: integer, name: string?, tags: [string] }
  -> filter name != null
  -> map { id: id, name: upper(name), n: len(tags) }
  -> dest sqlite.table with db = "out/p.db", table = "people", key = "id"
`,
    });
    const env = { SLUICE_HOME: join(dir, '.sluice') };
    const r = await runSluice(['run', 'f.flow', '--format', 'json'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ flow: 'f', status: 'succeeded', read: 5, written: 2, rejected: 2, filtered: 1 });
    expect(r.code).toBe(3); // succeeded, with rejected records
    const db = new Database(join(dir, 'out/p.db'), { readonly: true });
    expect(db.prepare('SELECT id, name, n FROM people ORDER BY id').all()).toEqual([
      { id: 1, name: 'ADA', n: 1 },
      { id: 2, name: 'BOB', n: 0 },
    ]);
    db.close();
    // Running again upserts: still two rows, none doubled.
    await runSluice(['run', 'f.flow'], { cwd: dir, env });
    const db2 = new Database(join(dir, 'out/p.db'), { readonly: true });
    expect(db2.prepare('SELECT COUNT(*) AS n FROM people').get()).toEqual({ n: 2 });
    db2.close();
    const state = new Database(join(dir, '.sluice/state.db'), { readonly: true });
    const reasons = state.prepare('SELECT reason FROM rejected ORDER BY id').pluck().all() as string[];
    expect(reasons.slice(0, 2)).toEqual(['line 4 is not JSON', 'line 5: field `id`: expected a number, found "four"']);
    state.close();
  });

  it('csv -> jsonl: typed columns, the file is replaced atomically, no temp file left', async () => {
    const dir = project({
      'in.csv': 'id,title,price\n1,"Widget, large",9.5\n2,Gadget,12\n',
      'f.flow': 'source file.csv with path = "in.csv" as { id: integer, title: string, price: number } -> map { ..., cents: price * 100 } -> dest file.jsonl with path = "out/o.jsonl"\n',
    });
    const r = await runSluice(['run', 'f.flow'], { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('f: succeeded');
    expect(readFileSync(join(dir, 'out/o.jsonl'), 'utf8')).toBe('{"id":1,"title":"Widget, large","price":9.5,"cents":950}\n{"id":2,"title":"Gadget","price":12,"cents":1200}\n');
    expect(readdirSync(join(dir, 'out'))).toEqual(['o.jsonl']);
  });

  it('a flow that does not check does not run', async () => {
    const dir = project({ 'f.flow': 'source file.jsonl with path = "in.jsonl" -> dest file.jsonl with pth = "x"\n' });
    const r = await runSluice(['run', 'f.flow'], { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SL2010');
    expect(r.stderr).toContain('does not check');
    expect(existsSync(join(dir, '.sluice'))).toBe(false);
  });

  it('stdout: records on stdout, the summary on stderr; --var fills templates; take stops early', async () => {
    const dir = project({ 'in.jsonl': people, 'f.flow': 'source file.jsonl with path = "in.jsonl" -> map { id: id, region: ~{Region}~ } -> take 2 -> dest stdout\n' });
    const r = await runSluice(['run', 'f.flow', '--var', 'Region=emea'], { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice') } });
    expect(r.stdout).toBe('{"id":1,"region":"emea"}\n{"id":2,"region":"emea"}\n');
    expect(r.stderr).toContain('f: succeeded');
  });

  it('a missing input file fails with the cause, exit 1', async () => {
    const dir = project({ 'f.flow': 'source file.jsonl with path = "nope.jsonl" -> dest stdout\n' });
    const r = await runSluice(['run', 'f.flow'], { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice') } });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('SL7010');
    expect(r.stdout + r.stderr).toContain('no such file');
  });

  it('usage errors exit 2', async () => {
    expect((await runSluice(['run'])).code).toBe(2);
    expect((await runSluice(['run', 'nope.flow'])).code).toBe(2);
    expect((await runSluice(['run', 'flows/recents.flow', '--flow', 'nope'])).code).toBe(2);
    expect((await runSluice(['run', 'flows/recents.flow', '--var', 'bad'])).code).toBe(2);
  });
});

describe('on reject', () => {
  it('refused records go to the on reject destination, with the reason, and stay in the state store', async () => {
    const dir = tempDir('sluice-run-');
    writeFileSync(join(dir, 'in.csv'), 'id,title\n1,One\nx,Two\n3,Three\n');
    writeFileSync(
      join(dir, 'f.flow'),
      `flow copy {
  on reject file.jsonl with path = "out/rejected.jsonl"
  source file.csv with path = "in.csv" as { id: integer, title: string }
    -> dest file.jsonl with path = "out/ok.jsonl"
}
`,
    );
    const r = await runSluice(['run', 'f.flow', '--format', 'json'], { cwd: dir, env: { SLUICE_HOME: join(dir, '.sluice') } });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 3, written: 2, rejected: 1 });
    expect(readFileSync(join(dir, 'out/ok.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([1, 3]);
    const rejected = readFileSync(join(dir, 'out/rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejected).toEqual([{ id: 'x', title: 'Two', _rejected: { reason: 'line 3: field `id`: expected a number, found "x"', code: 'invalid', destination: join(dir, 'out/ok.jsonl') } }]);
  });
});
